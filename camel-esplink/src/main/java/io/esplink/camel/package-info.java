/**
 * The Camel layer of esplink: the {@code esplink:} component over {@link io.esplink.core}.
 * <ul>
 * <li>{@link io.esplink.camel.EspLinkComponent}: one gateway server per {@code host:port}, shared by every endpoint of
 * that address; its {@link io.esplink.camel.EspLinkConfiguration} holds the defaults of every endpoint
 * ({@code camel.component.esplink.*}), each endpoint works on a copy with its URI's options set; the server options
 * an endpoint's URI sets are merged with its address's other endpoints ({@code ServerOverlay}) and must agree. The
 * node port accepts connections once every route of the context has started and closes them when the context
 * begins to stop.</li>
 * <li>{@link io.esplink.camel.EspLinkConsumer}: an exchange per node message (and per connection event); with
 * {@code ackMode=processed} the message is acknowledged when the exchange completed without failure. Runs on the
 * delivery executor; each node's messages go through the route one at a time, in order, also when the route
 * completes asynchronously.</li>
 * <li>{@link io.esplink.camel.EspLinkProducer}: sends the body to a node; asynchronous, the exchange completes (on the
 * delivery executor) when the node acknowledged it.</li>
 * <li>{@link io.esplink.camel.store}: durable stores for the ready routes.</li>
 * <li>Operating a fleet: a readiness check per address ({@link io.esplink.camel.EspLinkServerHealthCheck}) and a
 * liveness check of the event loops ({@link io.esplink.camel.EspLinkLivenessHealthCheck}) in Camel's health check
 * registry; the {@code esplink} dev console ({@link io.esplink.camel.EspLinkDevConsole}); the {@code esplink.*}
 * Micrometer meters ({@link io.esplink.camel.metrics}, optional: only where Micrometer is on the class path); and
 * JMX attributes and operations on the endpoint's and consumer's MBeans
 * ({@link io.esplink.camel.EspLinkGatewayMBean}). All of them read what the core counts anyway
 * ({@link io.esplink.core.GatewayStats}, {@link io.esplink.core.GatewayView}).</li>
 * </ul>
 * Thread names follow Camel's pattern ({@code Camel (context) thread #n - esplink-io}, {@code ... - esplink-delivery});
 * the component's {@code workerGroup} and {@code deliveryExecutor} take groups of your own instead.
 */
package io.esplink.camel;
