package io.esplink.camel;

import io.esplink.core.AckMode;
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
    @UriParam(label = "common,advanced", defaultValue = "reject", enums = "reject,replace",
              description = "A connection with the client ID of a node that is connected (L17): reject keeps the "
                            + "first and closes the newcomer, as the reference server does; replace closes the old "
                            + "one. A server option.")
    private DuplicateClientPolicy duplicateClientPolicy = DuplicateClientPolicy.REJECT;
    @UriParam(label = "common,advanced", defaultValue = "16384",
              description = "The longest line accepted from a node, in bytes; a longer one closes that connection "
                            + "(L7). A server option.")
    private int maxLineLength = Protocol.DEFAULT_MAX_LINE_LENGTH;
    @UriParam(label = "common,advanced", defaultValue = "2000", javaType = "java.time.Duration",
              description = "How long a new connection may take to send its client ID line before it is closed. A "
                            + "server option.")
    private long handshakeTimeout = Protocol.DEFAULT_TIMEOUT_MS;
    @UriParam(label = "common,advanced", defaultValue = "1000",
              description = "The most node connections open at once; further ones are closed at once. A server "
                            + "option.")
    private int maxConnections = 1000;
    @UriParam(label = "common,advanced", defaultValue = "200", javaType = "java.time.Duration",
              description = "After a (re)connection, how long to wait after the node's first bytes before sending "
                            + "it messages (L15): a node that just woke up loses lines sent too early. A server "
                            + "option.")
    private long writeDelayAfterConnect = Protocol.DEFAULT_WRITE_DELAY_MS;

    @UriParam(label = "security",
              description = "TLS on the listening socket, for nodes that can afford it: the server's key and "
                            + "certificate. Nodes then connect with an ssl-wrapped socket. A server option.")
    private SSLContextParameters sslContextParameters;

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
}
