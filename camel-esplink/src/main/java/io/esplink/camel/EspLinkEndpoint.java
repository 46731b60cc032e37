package io.esplink.camel;

import io.esplink.core.AckMode;
import io.esplink.core.EspLinkServer;
import io.esplink.core.Protocol;
import org.apache.camel.AsyncEndpoint;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.MultipleConsumersSupport;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * Exchange messages with MicroPython WiFi nodes running the unmodified micropython-iot client.
 * <p>
 * Its MBean shows the gateway of its address (see {@link EspLinkGatewayMBean}).
 */
@ManagedResource(description = "esplink endpoint: the gateway on its address, its counters and nodes")
@UriEndpoint(firstVersion = "0.1.0", scheme = "esplink", title = "EspLink", syntax = "esplink:host:port",
             category = { Category.IOT }, headersClass = EspLinkConstants.class)
public class EspLinkEndpoint extends DefaultEndpoint
        implements AsyncEndpoint, MultipleConsumersSupport, EspLinkGatewayMBean {

    @UriPath(description = "The address to listen on; 0.0.0.0 for every interface.")
    @Metadata(required = true)
    private String host;
    @UriPath(defaultValue = "8123", description = "The TCP port to listen on (the nodes' port).")
    private int port = Protocol.DEFAULT_PORT;
    @UriParam
    private EspLinkConfiguration configuration;

    /** The server options this endpoint's URI sets. */
    private ServerOverlay serverOptions = ServerOverlay.NONE;

    public EspLinkEndpoint(String uri, EspLinkComponent component, EspLinkConfiguration configuration) {
        super(uri, component);
        this.configuration = configuration;
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
        if (!configuration.isMessages() && !configuration.isEvents()) {
            throw new IllegalArgumentException("esplink consumer " + getEndpointUri()
                                               + " would receive nothing: messages=false needs events=true");
        }
        if (configuration.isBatchEvents() && (!configuration.isEvents() || !configuration.isBatching())) {
            throw new IllegalArgumentException("esplink consumer " + getEndpointUri() + ": batchEvents=true needs "
                                               + "events=true and batching=true (it batches connection events by "
                                               + "batching's rules), not events=" + configuration.isEvents()
                                               + " and batching=" + configuration.isBatching());
        }
        if (configuration.isBatching()) {
            if (configuration.getMaxBatchSize() < 1 || configuration.getBatchingIntervalMs() < 0
                || configuration.getEventSettleMs() < 0 || configuration.getEventMaxDelayMs() < 0) {
                throw new IllegalArgumentException("esplink consumer " + getEndpointUri() + ": maxBatchSize must be "
                                                   + "at least 1 and batchingIntervalMs, eventSettleMs and "
                                                   + "eventMaxDelayMs at least 0, not " + configuration.getMaxBatchSize()
                                                   + ", " + configuration.getBatchingIntervalMs() + ", "
                                                   + configuration.getEventSettleMs() + " and "
                                                   + configuration.getEventMaxDelayMs());
            }
        }
        EspLinkConsumer consumer = new EspLinkConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public EspLinkEndpoint gatewayEndpoint() {
        return this;
    }

    /** host:port, the key of the shared server. */
    String address() {
        return host + ":" + port;
    }

    ServerOverlay serverOptions() {
        return serverOptions;
    }

    void serverOptions(ServerOverlay overlay) {
        this.serverOptions = overlay;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("esplink: a host is required, as in esplink:0.0.0.0:8123");
        }
        EspLinkConfiguration c = configuration;
        if (c.getAckMode() != AckMode.PROCESSED && c.getWindowStore() != null) {
            throw new IllegalArgumentException("esplink: windowStore needs ackMode=processed (" + getEndpointUri()
                                               + "): with ackMode=received a message is acknowledged before it is "
                                               + "stored");
        }
        if (c.getClientId() != null && !EspLinkServer.BROADCAST.equals(c.getClientId())) {
            Protocol.checkClientId(c.getClientId());
        }
        if (c.getSendTimeout() < 0) {
            throw new IllegalArgumentException("sendTimeout must not be negative, not " + c.getSendTimeout());
        }
        // each value on its own; combinations are checked on the merged settings of the address
        serverOptions.serverConfig(host, port, getComponent().getConfiguration());
    }

    @Override
    protected void doShutdown() throws Exception {
        getComponent().forget(this);
        super.doShutdown();
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

    public EspLinkConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(EspLinkConfiguration configuration) {
        this.configuration = configuration;
    }
}
