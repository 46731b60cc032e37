/**
 * The micropython-iot link protocol on Netty, gateway and node side, without Camel (rules L1-L22 of PROTOCOL.md).
 *
 * <h2>Parts</h2>
 * <ul>
 * <li>Wire: {@link io.esplink.core.Protocol} (encoders), {@link io.esplink.core.FrameDecoder} and
 * {@link io.esplink.core.Frame} (lines, L2-L7), {@link io.esplink.core.MessageIds} (L8),
 * {@link io.esplink.core.DuplicateWindow} (L10).</li>
 * <li>Per peer, used by both sides: {@code Outbox} (messages to the peer: counter, queue, resends, flow control,
 * the connection they go out on, L8 and L19-L22) and {@code InboundWindow} (messages from the peer: duplicate
 * window and counts, L9-L11); {@link io.esplink.core.LivenessHandler} (keepalives and outage detection, L12-L14,
 * started by the user event {@link io.esplink.core.LivenessHandler#START}).</li>
 * <li>Gateway side: {@link io.esplink.core.EspLinkServer} (one listening address) made of a {@code ListenerTable}
 * (who listens to which node), a {@code SessionRegistry} (sessions by client ID, admission L16-L18, connection
 * events), {@code Session} (one node: its outbox, window and listener lanes), and per connection an
 * {@code IdLineHandler} that waits for the ID line and then replaces itself with a {@code SessionHandler}. No part
 * refers back to the one that made it. Outside the core the nodes are seen as {@link io.esplink.core.NodeView}
 * snapshots through {@link io.esplink.core.GatewayView}; listeners get immutable
 * {@link io.esplink.core.InboundMessage}s with a completion. What a server counts (messages each way, duplicates,
 * resends, connects and disconnects, refusals, two timings) is in its {@link io.esplink.core.GatewayStats}: a
 * {@code LongAdder} add per event on the path of a message, nothing allocated, and an optional
 * {@link io.esplink.core.GatewayStats.Observer} told of each timing (for meters).</li>
 * <li>Node side: {@link io.esplink.core.EspLinkClient}, what {@code iot/client.py} does, in Java.</li>
 * </ul>
 *
 * <h2>Threads: which runs what</h2>
 * <ul>
 * <li><b>Event loops</b> ({@code esplink-io}, and {@code esplink-accept} for the listening socket): everything of one
 * connection, on the one loop the connection belongs to: reading and decoding lines, the ID line and admission,
 * ACKs (written at once, L9), the duplicate window of ack mode received, writing messages to the node (always on the
 * connection's loop, so they leave in queue order), and the timers: keepalives, outage detection, handshake timeout,
 * ACK timeouts (L20, one sweep per connection). Nothing on an event loop blocks or runs user code, unless the
 * notifier group is the event loop group itself (below). Loops made by {@link io.esplink.core.Transports} with a
 * pause let it pass when they find nothing ready, so that one wakeup handles the keepalives of many idle links.</li>
 * <li><b>The delivery executor</b> ({@code esplink-delivery}, a Netty {@code EventExecutorGroup}): each node is
 * pinned to one of its threads for the node's lifetime in the gateway (its session's notifier). It runs the
 * listeners (the Camel routes of node messages and connection events), reads a window store when a node's first
 * message comes after a start, and tells senders how their messages ended (Camel producers complete there). One
 * thread serves many nodes, so a listener that blocks holds up the other nodes of its thread: size the group to the
 * blocking work (the component's {@code deliveryThreads}, default 16).</li>
 * <li><b>Routes on the event loops</b>: when the notifier group given to the server is its event loop group (the
 * component's {@code routeOnEventLoop}), a session made for a connection takes that connection's loop as its notifier.
 * Its messages then go to the listeners at once as they are read, and send results are told at once on that loop:
 * no thread hop, and a reply leaves in the same write as the ACK. Only for listeners that never block. A node that
 * reconnects on another loop keeps its session's notifier (the hop comes back, the order stays).</li>
 * <li><b>Other threads</b> (Camel's, an HTTP server's, a timer's) call {@code send}: it only queues the message and
 * wakes the node's event loop. A listener may complete a message ({@link io.esplink.core.InboundMessage#done}) from
 * any thread; what follows (the ACK, the next message) is handed back to the event loop or the delivery
 * executor.</li>
 * </ul>
 *
 * <h2>In order per node</h2>
 * A node's messages reach each listener in the order the node sent them, one at a time: the next goes to a listener
 * only once it reported the previous one done, even if it completes on another thread later (a listener that does
 * not {@link io.esplink.core.EspLinkListener#reportsDone report}, in ack mode received, is done when
 * {@code onMessage} returns). Different nodes are independent: a slow message of one node never holds up another
 * node's messages to an asynchronous listener. Messages to a node leave in the order they were sent; with qos and
 * wait (the default) at most one is unacknowledged, so they also arrive in order (L21).
 *
 * <h2>Locks</h2>
 * Each object guards its own state with its own monitor and calls listeners, senders' callbacks and other objects
 * outside it: the registry (admission), a session (window, deliveries in progress, recalls), an outbox (queue and
 * in-flight table). The only nesting is registry, then session or outbox, never the reverse.
 */
package io.esplink.core;
