package io.esplink.camel;

import io.esplink.core.AckMode;
import io.esplink.core.ClientIds;
import io.esplink.core.CredentialStore;
import io.esplink.core.DuplicateClientPolicy;
import io.esplink.core.Protocol;
import io.esplink.core.WindowStore;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;
import org.apache.camel.support.jsse.SSLContextParameters;

/**
 * The options of an esplink endpoint. The component holds one as the defaults of every endpoint
 * ({@code camel.component.esplink.timeout=5000}); each endpoint works on a {@link #copy()} with its URI's options set
 * on it.
 * <p>
 * The server options ({@link ServerOverlay#NAMES}) configure the listening gateway that every endpoint of one
 * address shares: an endpoint's URI may set them, and endpoints that set one to different values fail to start.
 */
@UriParams
public class EspLinkConfiguration implements Cloneable {

    @UriParam(label = "common", description = "The node to consume from or send to. A consumer without it receives "
                                              + "the messages of every node (alongside any other consumer of the "
                                              + "address: each consumer gets every message it matches); on a "
                                              + "producer, an asterisk (the star character) sends to every connected "
                                              + "node.")
    private String clientId;
    @UriParam(label = "common", defaultValue = "2000", javaType = "java.time.Duration",
              description = "The link timeout, the same as the nodes' (L12): keepalives go out every timeout/4 and "
                            + "a node silent for this long is declared down. Also how long a message waits for its "
                            + "ACK before it is resent. A server option.")
    private long timeout = Protocol.DEFAULT_TIMEOUT_MS;
    @UriParam(label = "common", description = "Comma-separated client IDs of the nodes expected to connect (L18). "
                                              + "Others are warned about, or refused with rejectUnknownClients. A "
                                              + "server option.")
    private String expectedClientIds;
    @UriParam(label = "common", defaultValue = "false",
              description = "Refuse nodes whose client ID is not in expectedClientIds, instead of only warning. A "
                            + "server option.")
    private boolean rejectUnknownClients;
    @UriParam(label = "common,advanced", defaultValue = "auto", enums = "auto,reject,replace",
              description = "A connection with the client ID of a node that is connected (L17): reject keeps the "
                            + "first and closes the newcomer, as the reference server does; replace closes the old "
                            + "one; auto (the default) replaces when the newcomer proved its ID with a secret (it is "
                            + "the node itself, and the old link a stale one) and rejects otherwise. A server "
                            + "option.")
    private DuplicateClientPolicy duplicateClientPolicy = DuplicateClientPolicy.AUTO;
    @UriParam(label = "common,advanced", defaultValue = "16384",
              description = "The longest line accepted from a node, in bytes; a longer one closes that connection "
                            + "(L7). A server option.")
    private int maxLineLength = Protocol.DEFAULT_MAX_LINE_LENGTH;
    @UriParam(label = "common,advanced", defaultValue = "2000", javaType = "java.time.Duration",
              description = "How long a new connection may take to send its client ID line before it is closed. A "
                            + "server option.")
    private long handshakeTimeout = Protocol.DEFAULT_TIMEOUT_MS;
    @UriParam(label = "common,advanced", defaultValue = "0",
              description = "The most node connections open at once; further ones are closed at once. 0 (the "
                            + "default) takes what the heap and the file-descriptor limit allow (a quarter of the heap "
                            + "at 24 KiB a connection, 90% of the descriptors left after 256), stated at start. A "
                            + "server option.")
    private int maxConnections;
    @UriParam(label = "common,advanced", defaultValue = "200", javaType = "java.time.Duration",
              description = "After a (re)connection, how long to wait after the node's first bytes before sending "
                            + "it messages (L15): a node that just woke up loses lines sent too early. A server "
                            + "option.")
    private long writeDelayAfterConnect = Protocol.DEFAULT_WRITE_DELAY_MS;

    @UriParam(label = "security",
              description = "TLS on the listening socket, for nodes that can afford it: the server's key and "
                            + "certificate. Nodes then connect with an ssl-wrapped socket. A server option.")
    private SSLContextParameters sslContextParameters;
    @UriParam(label = "security",
              description = "Node credentials (an io.esplink.core.CredentialStore): a node proves its client ID with "
                            + "the secret after it in its ID line (MY_ID = \"kitchen:<secret>\" in the unmodified "
                            + "client); the secret is checked and stripped, and the node is kitchen everywhere else. "
                            + "A server option.")
    private CredentialStore credentials;
    @UriParam(label = "security",
              description = "A file of node credentials (see io.esplink.core.CredentialsFile; made empty if missing, "
                            + "read again when it changes), instead of a credentials bean. A server option.")
    private String credentialsFile;
    @UriParam(label = "security", defaultValue = "false",
              description = "With credentials: let nodes whose client ID has no credential connect without a secret "
                            + "(their IDs are then not protected). A client ID that has a credential always needs "
                            + "its secret. A server option.")
    private boolean anonymousClients;
    @UriParam(label = "security",
              description = "Comma-separated address blocks (192.168.1.0/24, 2001:db8::/32, 10.0.0.5) nodes may "
                            + "connect from; others are closed before a byte is read. Empty: any. A server option.")
    private String allowedAddresses;
    @UriParam(label = "security", defaultValue = "64",
              description = "The longest client ID accepted, in bytes of UTF-8. IDs must also be valid UTF-8 without "
                            + "control or format characters, without spaces at either end, not the broadcast '*' "
                            + "and without Camel property placeholders. A server option.")
    private int maxClientIdLength = ClientIds.DEFAULT_MAX_LENGTH;
    @UriParam(label = "security", defaultValue = "64",
              description = "Connections open at once from one source address; 0 for no limit. A server option.")
    private int maxConnectionsPerAddress = 64;
    @UriParam(label = "security", defaultValue = "100",
              description = "New connections per second from one source address (bursts of as many); 0 for no "
                            + "limit. A server option.")
    private int maxConnectionRatePerAddress = 100;
    @UriParam(label = "security", defaultValue = "-1",
              description = "Connections kept for recognised nodes (with credentials, or in expectedClientIds): "
                            + "others are refused once the rest of maxConnections is in use, and when the gateway is "
                            + "full the oldest unrecognised connection is closed to let a recognised node in. -1 "
                            + "keeps a tenth of maxConnections. A server option.")
    private int reservedConnections = -1;
    @UriParam(label = "security", defaultValue = "600000", javaType = "java.time.Duration",
              description = "How long the connection of an unrecognised node may stay, where the gateway knows its "
                            + "nodes (credentials or expectedClientIds); 0 for ever. A server option.")
    private long unknownClientTimeout = 600_000;
    @UriParam(label = "advanced", defaultValue = "10000",
              description = "Node messages held at once, waiting for or in the routes, over all nodes of the "
                            + "address: above it the gateway stops reading from nodes until the routes catch up, so "
                            + "that no number of sockets can fill the heap. At most 1,000,000. A server option.")
    private int maxInflightMessages = 10_000;
    @UriParam(label = "advanced", defaultValue = "0",
              description = "The same bound in bytes of payload held (at most 1 TiB); 0 (the default) takes a "
                            + "sixteenth of the heap, 1 to 64 MiB. A server option.")
    private long maxInflightBytes;
    @UriParam(label = "advanced", defaultValue = "100",
              description = "Messages to one node that may wait to be sent or acknowledged; a send beyond fails at "
                            + "once with an EspLinkException. A server option.")
    private int maxQueuedPerNode = 100;
    @UriParam(label = "advanced", defaultValue = "3600000", javaType = "java.time.Duration",
              description = "How long the gateway remembers a node that is gone and has nothing pending (its message "
                            + "counters, duplicate window, statistics); 0 for ever. A server option.")
    private long sessionExpiry = 3_600_000;
    @UriParam(label = "advanced", defaultValue = "0",
              description = "The listen backlog of the node port: connections the operating system queues before "
                            + "the gateway accepts them (a reconnect storm). 0 takes the operating system's limit "
                            + "(net.core.somaxconn on Linux). A server option.")
    private int backlog;
    @UriParam(label = "advanced", defaultValue = "0",
              description = "The most nodes remembered at once; beyond, the one gone longest with nothing pending is "
                            + "forgotten first, and a new node is refused if none can be. 0 (the default) takes what "
                            + "the heap allows (an eighth of it at 4 KiB a node, 1,000 to 1,000,000), stated at start. "
                            + "A server option.")
    private int maxSessions;

    @UriParam(label = "consumer", defaultValue = "received", enums = "received,processed",
              description = "When a node's message is acknowledged: received ACKs on receipt (the reference's "
                            + "behaviour); processed ACKs only after the route completed successfully, so that a "
                            + "failed exchange makes the node resend the message.")
    private AckMode ackMode = AckMode.RECEIVED;
    @UriParam(label = "consumer", defaultValue = "false",
              description = "Also create an exchange for every connect and disconnect of a node (header "
                            + "CamelEspLinkEvent).")
    private boolean events;
    @UriParam(label = "consumer", defaultValue = "true",
              description = "Create an exchange for every message of the node(s). Set to false, with events=true, "
                            + "for a consumer of connection events only: it then takes no part in acknowledging "
                            + "messages.")
    private boolean messages = true;
    @UriParam(label = "consumer", defaultValue = "false",
              description = "Gather node messages into batches: one exchange carries a List of EspLinkMessage (client "
                            + "ID, message ID, payload, received time, connect count, remote address) of up to "
                            + "maxBatchSize messages, or what arrived within batchingIntervalMs. With "
                            + "ackMode=processed every message of the batch is acknowledged when the exchange "
                            + "completed, none if it failed (the nodes resend them). Batches complete one after the "
                            + "other, so each node's messages stay in order. Connection events stay one exchange each "
                            + "unless batchEvents.")
    private boolean batching;
    @UriParam(label = "consumer", defaultValue = "false",
              description = "With events=true and batching=true: gather connection events into batches too, apart "
                            + "from the messages (up to maxBatchSize each, once they settle: eventSettleMs): one "
                            + "exchange carries a List of EspLinkEvent (client ID, event, reason, remote address, "
                            + "connect count, time) in the order they happened (each node's in order), with the "
                            + "header CamelEspLinkEventBatch. For routes that store events: one transaction or one "
                            + "write per batch, not per connect, when thousands of nodes connect at once. Events are "
                            + "acknowledged to no one: a batch whose exchange fails is lost, as a single event is.")
    private boolean batchEvents;
    @UriParam(label = "consumer", defaultValue = "500",
              description = "With batching: the most messages in one batch.")
    private int maxBatchSize = 500;
    @UriParam(label = "consumer", defaultValue = "10",
              description = "With batching: how long a batch waits for more messages after its first one, in "
                            + "milliseconds, when no batch is being processed (while one is, the next takes what "
                            + "arrived meanwhile as soon as it completes).")
    private long batchingIntervalMs = 10;
    @UriParam(label = "consumer", defaultValue = "250",
              description = "With batchEvents: connection events wait until none came for this long, in "
                            + "milliseconds (then they go in batches of maxBatchSize, back to back), instead of "
                            + "batchingIntervalMs after the first: when thousands of nodes connect at once, the "
                            + "route stores their events after they connected, and the CPU goes to their handshakes "
                            + "first. Bounded by eventMaxDelayMs, and by 100,000 events waiting. 0: events are "
                            + "batched by batchingIntervalMs, as messages are.")
    private long eventSettleMs = 250;
    @UriParam(label = "consumer", defaultValue = "5000",
              description = "With batchEvents and eventSettleMs: the longest a connection event waits for the "
                            + "events to settle, in milliseconds (nodes that keep connecting and disconnecting do not "
                            + "hold the others' events back for longer).")
    private long eventMaxDelayMs = 5000;
    @UriParam(label = "consumer,advanced",
              description = "The store this route writes node messages to, if it can tell which messages it holds "
                            + "(an io.esplink.core.WindowStore, such as the ready io.esplink.camel.store.JdbcStore and "
                            + "io.esplink.camel.store.JsonLinesStore). After a gateway restart, a node's resend of a "
                            + "message this store kept before the crash (its ACK never left) is then acknowledged "
                            + "without being routed again. Needs ackMode=processed.")
    private WindowStore windowStore;

    @UriParam(label = "producer", defaultValue = "true",
              description = "Complete the exchange only when the node has acknowledged the message, resending it "
                            + "after outages (L20). Without qos the exchange completes once the line is written.")
    private boolean qos = true;
    @UriParam(label = "producer", defaultValue = "true",
              description = "With qos: keep at most one unacknowledged message per node, so messages arrive in "
                            + "order (L21).")
    private boolean wait = true;
    @UriParam(label = "producer", defaultValue = "30000", javaType = "java.time.Duration",
              description = "How long an exchange waits for the node to be connected and to acknowledge; then it "
                            + "fails with a SendTimeoutException. 0 waits for ever.")
    private long sendTimeout = 30000;

    /** A copy, for an endpoint to set its own options on. */
    public EspLinkConfiguration copy() {
        try {
            return (EspLinkConfiguration) clone();
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }

    public String getClientId() {
        return clientId;
    }

    public void setClientId(String clientId) {
        this.clientId = clientId;
    }

    public long getTimeout() {
        return timeout;
    }

    public void setTimeout(long timeout) {
        this.timeout = timeout;
    }

    public String getExpectedClientIds() {
        return expectedClientIds;
    }

    public void setExpectedClientIds(String expectedClientIds) {
        this.expectedClientIds = expectedClientIds;
    }

    public boolean isRejectUnknownClients() {
        return rejectUnknownClients;
    }

    public void setRejectUnknownClients(boolean rejectUnknownClients) {
        this.rejectUnknownClients = rejectUnknownClients;
    }

    public DuplicateClientPolicy getDuplicateClientPolicy() {
        return duplicateClientPolicy;
    }

    public void setDuplicateClientPolicy(DuplicateClientPolicy duplicateClientPolicy) {
        this.duplicateClientPolicy = duplicateClientPolicy;
    }

    public int getMaxLineLength() {
        return maxLineLength;
    }

    public void setMaxLineLength(int maxLineLength) {
        this.maxLineLength = maxLineLength;
    }

    public long getHandshakeTimeout() {
        return handshakeTimeout;
    }

    public void setHandshakeTimeout(long handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
    }

    public int getMaxConnections() {
        return maxConnections;
    }

    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    public long getWriteDelayAfterConnect() {
        return writeDelayAfterConnect;
    }

    public void setWriteDelayAfterConnect(long writeDelayAfterConnect) {
        this.writeDelayAfterConnect = writeDelayAfterConnect;
    }

    public SSLContextParameters getSslContextParameters() {
        return sslContextParameters;
    }

    public void setSslContextParameters(SSLContextParameters sslContextParameters) {
        this.sslContextParameters = sslContextParameters;
    }

    public AckMode getAckMode() {
        return ackMode;
    }

    public void setAckMode(AckMode ackMode) {
        this.ackMode = ackMode;
    }

    public boolean isEvents() {
        return events;
    }

    public void setEvents(boolean events) {
        this.events = events;
    }

    public boolean isMessages() {
        return messages;
    }

    public void setMessages(boolean messages) {
        this.messages = messages;
    }

    public WindowStore getWindowStore() {
        return windowStore;
    }

    public void setWindowStore(WindowStore windowStore) {
        this.windowStore = windowStore;
    }

    public boolean isQos() {
        return qos;
    }

    public void setQos(boolean qos) {
        this.qos = qos;
    }

    public boolean isWait() {
        return wait;
    }

    public void setWait(boolean wait) {
        this.wait = wait;
    }

    public long getSendTimeout() {
        return sendTimeout;
    }

    public void setSendTimeout(long sendTimeout) {
        this.sendTimeout = sendTimeout;
    }

    public CredentialStore getCredentials() {
        return credentials;
    }

    public void setCredentials(CredentialStore credentials) {
        this.credentials = credentials;
    }

    public String getCredentialsFile() {
        return credentialsFile;
    }

    public void setCredentialsFile(String credentialsFile) {
        this.credentialsFile = credentialsFile;
    }

    public boolean isAnonymousClients() {
        return anonymousClients;
    }

    public void setAnonymousClients(boolean anonymousClients) {
        this.anonymousClients = anonymousClients;
    }

    public String getAllowedAddresses() {
        return allowedAddresses;
    }

    public void setAllowedAddresses(String allowedAddresses) {
        this.allowedAddresses = allowedAddresses;
    }

    public int getMaxClientIdLength() {
        return maxClientIdLength;
    }

    public void setMaxClientIdLength(int maxClientIdLength) {
        this.maxClientIdLength = maxClientIdLength;
    }

    public int getMaxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    public void setMaxConnectionsPerAddress(int maxConnectionsPerAddress) {
        this.maxConnectionsPerAddress = maxConnectionsPerAddress;
    }

    public int getMaxConnectionRatePerAddress() {
        return maxConnectionRatePerAddress;
    }

    public void setMaxConnectionRatePerAddress(int maxConnectionRatePerAddress) {
        this.maxConnectionRatePerAddress = maxConnectionRatePerAddress;
    }

    public int getReservedConnections() {
        return reservedConnections;
    }

    public void setReservedConnections(int reservedConnections) {
        this.reservedConnections = reservedConnections;
    }

    public long getUnknownClientTimeout() {
        return unknownClientTimeout;
    }

    public void setUnknownClientTimeout(long unknownClientTimeout) {
        this.unknownClientTimeout = unknownClientTimeout;
    }

    public int getMaxInflightMessages() {
        return maxInflightMessages;
    }

    public void setMaxInflightMessages(int maxInflightMessages) {
        this.maxInflightMessages = maxInflightMessages;
    }

    public long getMaxInflightBytes() {
        return maxInflightBytes;
    }

    public void setMaxInflightBytes(long maxInflightBytes) {
        this.maxInflightBytes = maxInflightBytes;
    }

    public int getMaxQueuedPerNode() {
        return maxQueuedPerNode;
    }

    public void setMaxQueuedPerNode(int maxQueuedPerNode) {
        this.maxQueuedPerNode = maxQueuedPerNode;
    }

    public long getSessionExpiry() {
        return sessionExpiry;
    }

    public void setSessionExpiry(long sessionExpiry) {
        this.sessionExpiry = sessionExpiry;
    }

    public int getMaxSessions() {
        return maxSessions;
    }

    public void setMaxSessions(int maxSessions) {
        this.maxSessions = maxSessions;
    }

    public boolean isBatching() {
        return batching;
    }

    public void setBatching(boolean batching) {
        this.batching = batching;
    }

    public boolean isBatchEvents() {
        return batchEvents;
    }

    public void setBatchEvents(boolean batchEvents) {
        this.batchEvents = batchEvents;
    }

    public int getMaxBatchSize() {
        return maxBatchSize;
    }

    public void setMaxBatchSize(int maxBatchSize) {
        this.maxBatchSize = maxBatchSize;
    }

    public long getEventSettleMs() {
        return eventSettleMs;
    }

    public void setEventSettleMs(long eventSettleMs) {
        this.eventSettleMs = eventSettleMs;
    }

    public long getEventMaxDelayMs() {
        return eventMaxDelayMs;
    }

    public void setEventMaxDelayMs(long eventMaxDelayMs) {
        this.eventMaxDelayMs = eventMaxDelayMs;
    }

    public long getBatchingIntervalMs() {
        return batchingIntervalMs;
    }

    public void setBatchingIntervalMs(long batchingIntervalMs) {
        this.batchingIntervalMs = batchingIntervalMs;
    }

    public int getBacklog() {
        return backlog;
    }

    public void setBacklog(int backlog) {
        this.backlog = backlog;
    }
}
