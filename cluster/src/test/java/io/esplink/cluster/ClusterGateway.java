package io.esplink.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.esplink.camel.EspLinkComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.test.AvailablePortFinder;

import static org.awaitility.Awaitility.await;

/**
 * A gateway as a user runs one: a Camel context of its own with the esplink component on a port of its own, the
 * route files of routes/ loaded as YAML, and only the properties a user would set.
 */
final class ClusterGateway implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    static final long TIMEOUT_MS = 1000;
    static final String[] ROUTES = { "esplink-to-kafka", "presence-to-kafka", "kafka-to-esplink" };

    final String id;
    final int port;
    final DefaultCamelContext context;
    private final Properties props = new Properties();
    private CompletableFuture<Void> stopping;

    ClusterGateway(String id, String brokers, String topicPrefix, Map<String, String> extra) {
        this.id = id;
        this.port = AvailablePortFinder.getNextAvailable();
        this.context = new DefaultCamelContext();
        context.getCamelContextExtension().setName(id);
        props.put("esplink.host", HOST);
        props.put("esplink.port", String.valueOf(port));
        props.put("esplink.gateway.id", id);
        props.put("esplink.kafka.brokers", brokers);
        props.put("esplink.kafka.topic-prefix", topicPrefix);
        props.put("esplink.kafka.partitions", "3");
        props.put("esplink.kafka.presence-refresh", "2000");
        props.put("esplink.kafka.command-retry", "3000");
        props.put("esplink.kafka.delivery-timeout", "3000");
        props.put("esplink.kafka.session-timeout", "4000");
        props.putAll(extra);
        context.getComponent("esplink", EspLinkComponent.class).getConfiguration().setTimeout(TIMEOUT_MS);
    }

    ClusterGateway start(String... routeFiles) throws Exception {
        context.getPropertiesComponent().setInitialProperties(props);
        List<Resource> resources = new ArrayList<>();
        for (String name : routeFiles.length == 0 ? ROUTES : routeFiles) {
            Path file = Path.of("..", "routes", name + ".yaml").toAbsolutePath().normalize();
            resources.add(PluginHelper.getResourceLoader(context).resolveResource("file:" + file));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
        context.start();
        return this;
    }

    PresenceTable presence() {
        return context.getRegistry().lookupByNameAndType("esplinkPresence", PresenceTable.class);
    }

    CommandRouter router() {
        return context.getRegistry().lookupByNameAndType("esplinkCommandRouter", CommandRouter.class);
    }

    CommandResults results() {
        return context.getRegistry().lookupByNameAndType("esplinkCommandResults", CommandResults.class);
    }

    /** Waits until the gateway's tables have caught up with Kafka (what its routers wait for before routing). */
    ClusterGateway awaitReady(Duration wait) {
        await().atMost(wait).until(() -> (presence() == null || presence().isReady())
                                         && (results() == null || results().isReady()));
        return this;
    }

    /** Stops it in the background (for a gateway that was cut off Kafka, whose clients take their time). */
    void stopInBackground() {
        context.getShutdownStrategy().setTimeout(5);
        context.getShutdownStrategy().setShutdownNowOnTimeout(true);
        stopping = CompletableFuture.runAsync(context::stop);
    }

    @Override
    public void close() {
        if (stopping != null) {
            try {
                stopping.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // what the crash left behind
            }
        } else {
            context.stop();
        }
    }
}
