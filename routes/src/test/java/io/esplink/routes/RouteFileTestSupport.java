package io.esplink.routes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.esplink.camel.EspLinkComponent;
import io.esplink.testing.RecordingNode;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Runs route files of routes/ the way a user runs them alone: a fresh Camel context, the file(s) loaded as YAML,
 * and only the properties a user would set (everything else from the files' defaults). Nodes are the component's
 * Java node client on loopback.
 */
abstract class RouteFileTestSupport {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String HOST = "127.0.0.1";
    static final long TIMEOUT_MS = 1000;

    protected DefaultCamelContext context;
    protected int nodePort;
    protected final Map<String, String> props = new HashMap<>();
    private final List<RecordingNode> nodes = new ArrayList<>();

    @BeforeEach
    void createContext() {
        nodePort = AvailablePortFinder.getNextAvailable();
        context = new DefaultCamelContext();
        props.put("esplink.host", HOST);
        props.put("esplink.port", String.valueOf(nodePort));
        props.put("esplink.timeout", String.valueOf(TIMEOUT_MS)); // for routes that pass it on (the Kamelets)
        // what camel.component.esplink.timeout does under Camel Main (the routes set no timeout of their own)
        context.getComponent("esplink", EspLinkComponent.class).getConfiguration().setTimeout(TIMEOUT_MS);
    }

    @AfterEach
    void stopEverything() {
        nodes.forEach(RecordingNode::close);
        context.stop();
    }

    /** Loads routes/{@code names}.yaml (base names) and starts them with {@link #props}. */
    void run(String... names) throws Exception {
        Properties p = new Properties();
        p.putAll(props);
        context.getPropertiesComponent().setInitialProperties(p);
        List<Resource> resources = new ArrayList<>();
        for (String name : names) {
            Path file = Path.of(name + ".yaml").toAbsolutePath();
            resources.add(PluginHelper.getResourceLoader(context).resolveResource("file:" + file));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
        context.start();
    }

    /** Adds routes written in YAML (for routes that use the Kamelets). */
    void runYaml(String yaml) throws Exception {
        Properties p = new Properties();
        p.putAll(props);
        context.getPropertiesComponent().setInitialProperties(p);
        PluginHelper.getRoutesLoader(context)
                .loadRoutes(org.apache.camel.support.ResourceHelper.fromString("test.yaml", yaml));
        context.start();
    }

    /** A started node that records what it receives, with its link up. */
    RecordingNode node(String clientId) {
        RecordingNode n = RecordingNode.up(HOST, nodePort, clientId, TIMEOUT_MS, WAIT);
        nodes.add(n);
        return n;
    }
}
