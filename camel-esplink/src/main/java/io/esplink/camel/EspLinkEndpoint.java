package io.esplink.camel;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.esplink.core.AckMode;
import io.esplink.core.DuplicateClientPolicy;
import io.esplink.core.Protocol;
import io.esplink.core.ServerConfig;
import io.esplink.core.WindowStore;
import org.apache.camel.AsyncEndpoint;
import org.apache.camel.MultipleConsumersSupport;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.jsse.SSLContextParameters;

/**
 * Exchange messages with MicroPython WiFi nodes running the unmodified micropython-iot client.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "esplink", title = "EspLink", syntax = "esplink:host:port",
             category = { Category.IOT }, headersClass = EspLinkConstants.class)
public class EspLinkEndpoint extends DefaultEndpoint implements AsyncEndpoint, MultipleConsumersSupport {

    @UriPath(description = "The address to listen on; 0.0.0.0 for every interface.")
    @Metadata(required = true)
    private String host;
    @UriPath(defaultValue = "8123", description = "The TCP port to listen on (the nodes' port).")
    private int port = Protocol.DEFAULT_PORT;

    @UriParam(label = "common", description = "The node to consume from or send to. A consumer without it receives "
                                              + "every node no other consumer on the address claims; on a producer, "
                                              + "an asterisk (the star character) sends to every connected node.")
    private String clientId;
    @UriParam(label = "common", defaultValue = "2000", javaType = "java.time.Duration",
              description = "The link timeout, the same as the nodes' (L12): keepalives go out every timeout/4 and "
                            + "a node silent for this long is declared down. Also how long a message waits for its "
                            + "ACK before it is resent.")
    private long timeout = Protocol.DEFAULT_TIMEOUT_MS;
    @UriParam(label = "common", description = "Comma-separated client IDs of the nodes expected to connect (L18). "
                                              + "Others are warned about, or refused with rejectUnknownClients.")
    private String expectedClientIds;
    @UriParam(label = "common", defaultValue = "false",
              description = "Refuse nodes whose client ID is not in expectedClientIds, instead of only warning.")
    private boolean rejectUnknownClients;
    @UriParam(label = "common,advanced", defaultValue = "reject", enums = "reject,replace",
              description = "A connection with the client ID of a node that is connected (L17): reject keeps the "
                            + "first and closes the newcomer, as the reference server does; replace closes the old "
                            + "one.")
    private String duplicateClientPolicy = "reject";
    @UriParam(label = "common,advanced", defaultValue = "16384",
              description = "The longest line accepted from a node, in bytes; a longer one closes that connection "
                            + "(L7).")
    private int maxLineLength = Protocol.DEFAULT_MAX_LINE_LENGTH;
    @UriParam(label = "common,advanced", defaultValue = "2000", javaType = "java.time.Duration",
              description = "How long a new connection may take to send its client ID line before it is closed.")
    private long handshakeTimeout = Protocol.DEFAULT_TIMEOUT_MS;
    @UriParam(label = "common,advanced", defaultValue = "1000",
              description = "The most node connections open at once; further ones are closed at once.")
    private int maxConnections = 1000;
    @UriParam(label = "common,advanced", defaultValue = "200", javaType = "java.time.Duration",
              description = "After a (re)connection, how long to wait after the node's first bytes before sending "
                            + "it messages (L15): a node that just woke up loses lines sent too early.")
    private long writeDelayAfterConnect = Protocol.DEFAULT_WRITE_DELAY_MS;

    @UriParam(label = "security",
              description = "TLS on the listening socket, for nodes that can afford it: the server's key and "
                            + "certificate. Nodes then connect with an ssl-wrapped socket.")
    private SSLContextParameters sslContextParameters;

    @UriParam(label = "consumer", defaultValue = "received", enums = "received,processed",
              description = "When a node's message is acknowledged: received ACKs on receipt (the reference's "
                            + "behaviour); processed ACKs only after the route completed successfully, so that a "
                            + "failed exchange makes the node resend the message.")
    private String ackMode = "received";
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

    /** Server options set explicitly on this endpoint (name to value), for sharing one server per address. */
    private final Map<String, Object> explicitServerOptions = new LinkedHashMap<>();

    public EspLinkEndpoint(String uri, EspLinkComponent component) {
        super(uri, component);
    }

    @Override
    public EspLinkComponent getComponent() {
        return (EspLinkComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        return new EspLinkProducer(this);
    }

    /** Several routes may consume the same URI: each gets every message. */
    @Override
    public boolean isMultipleConsumersSupported() {
        return true;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (!messages && !events) {
            throw new IllegalArgumentException("esplink consumer " + getEndpointUri()
                                               + " would receive nothing: messages=false needs events=true");
        }
        EspLinkConsumer consumer = new EspLinkConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    /** host:port, the key of the shared server. */
    String address() {
        return host + ":" + port;
    }

    Map<String, Object> explicitServerOptions() {
        return explicitServerOptions;
    }

    /** The server settings this endpoint asks for: defaults overlaid with {@code options}. */
    ServerConfig serverConfig(Map<String, Object> options) {
        ServerConfig c = new ServerConfig().host(host).port(port);
        for (Map.Entry<String, Object> e : options.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "timeout":
                    c.timeoutMs((Long) v);
                    break;
                case "expectedClientIds":
                    c.expectedClientIds(splitIds((String) v));
                    break;
                case "rejectUnknownClients":
                    c.rejectUnknownClients((Boolean) v);
                    break;
                case "duplicateClientPolicy":
                    c.duplicateClientPolicy(duplicatePolicy((String) v));
                    break;
                case "maxLineLength":
                    c.maxLineLength((Integer) v);
                    break;
                case "handshakeTimeout":
                    c.handshakeTimeoutMs((Long) v);
                    break;
                case "maxConnections":
                    c.maxConnections((Integer) v);
                    break;
                case "writeDelayAfterConnect":
                    c.writeDelayMs((Long) v);
                    break;
                case "sslContextParameters":
                    break; // not a ServerConfig setting: compared by identity in the component
                default:
                    throw new IllegalStateException(e.getKey());
            }
        }
        return c;
    }

    static List<String> splitIds(String ids) {
        return Arrays.stream(ids.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toList());
    }

    static DuplicateClientPolicy duplicatePolicy(String value) {
        switch (value.toLowerCase()) {
            case "reject":
                return DuplicateClientPolicy.REJECT_NEW;
            case "replace":
                return DuplicateClientPolicy.REPLACE_OLD;
            default:
                throw new IllegalArgumentException("duplicateClientPolicy must be reject or replace, not " + value);
        }
    }

    AckMode ackModeValue() {
        switch (ackMode.toLowerCase()) {
            case "received":
                return AckMode.RECEIVED;
            case "processed":
                return AckMode.PROCESSED;
            default:
                throw new IllegalArgumentException("ackMode must be received or processed, not " + ackMode);
        }
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("esplink: a host is required, as in esplink:0.0.0.0:8123");
        }
        if (ackModeValue() != AckMode.PROCESSED && windowStore != null) {
            throw new IllegalArgumentException("esplink: windowStore needs ackMode=processed (" + getEndpointUri()
                                               + "): with ackMode=received a message is acknowledged before it is "
                                               + "stored");
        }
        if (clientId != null) {
            if (!"*".equals(clientId)) {
                Protocol.checkClientId(clientId);
            }
        }
        if (sendTimeout < 0) {
            throw new IllegalArgumentException("sendTimeout must not be negative, not " + sendTimeout);
        }
        serverConfig(explicitServerOptions); // checks each value; combinations are checked on the merged settings
    }

    @Override
    protected void doShutdown() throws Exception {
        getComponent().forget(this);
        super.doShutdown();
    }

    private void explicit(String name, Object value) {
        explicitServerOptions.put(name, value);
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
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
        explicit("timeout", timeout);
    }

    public String getExpectedClientIds() {
        return expectedClientIds;
    }

    public void setExpectedClientIds(String expectedClientIds) {
        this.expectedClientIds = expectedClientIds;
        explicit("expectedClientIds", expectedClientIds);
    }

    public boolean isRejectUnknownClients() {
        return rejectUnknownClients;
    }

    public void setRejectUnknownClients(boolean rejectUnknownClients) {
        this.rejectUnknownClients = rejectUnknownClients;
        explicit("rejectUnknownClients", rejectUnknownClients);
    }

    public String getDuplicateClientPolicy() {
        return duplicateClientPolicy;
    }

    public void setDuplicateClientPolicy(String duplicateClientPolicy) {
        duplicatePolicy(duplicateClientPolicy);
        this.duplicateClientPolicy = duplicateClientPolicy;
        explicit("duplicateClientPolicy", duplicateClientPolicy);
    }

    public int getMaxLineLength() {
        return maxLineLength;
    }

    public void setMaxLineLength(int maxLineLength) {
        this.maxLineLength = maxLineLength;
        explicit("maxLineLength", maxLineLength);
    }

    public long getHandshakeTimeout() {
        return handshakeTimeout;
    }

    public void setHandshakeTimeout(long handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
        explicit("handshakeTimeout", handshakeTimeout);
    }

    public int getMaxConnections() {
        return maxConnections;
    }

    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
        explicit("maxConnections", maxConnections);
    }

    public long getWriteDelayAfterConnect() {
        return writeDelayAfterConnect;
    }

    public void setWriteDelayAfterConnect(long writeDelayAfterConnect) {
        this.writeDelayAfterConnect = writeDelayAfterConnect;
        explicit("writeDelayAfterConnect", writeDelayAfterConnect);
    }

    public SSLContextParameters getSslContextParameters() {
        return sslContextParameters;
    }

    public void setSslContextParameters(SSLContextParameters sslContextParameters) {
        this.sslContextParameters = sslContextParameters;
        explicit("sslContextParameters", sslContextParameters);
    }

    public String getAckMode() {
        return ackMode;
    }

    public void setAckMode(String ackMode) {
        this.ackMode = ackMode;
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

    public boolean isEvents() {
        return events;
    }

    public void setEvents(boolean events) {
        this.events = events;
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
