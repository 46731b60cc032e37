package io.esplink.gateway;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.esplink.camel.store.JsonLinesStore;
import io.esplink.camel.store.MessageStore;
import io.esplink.camel.store.StoreHealthCheck;
import io.esplink.camel.store.StoreUnavailableException;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The esplink gateway: Camel Main with the gateway's own routes (node log, HTTP API) and the ready routes named in
 * {@code esplink.routes}.
 * <p>
 * Configuration comes from {@code application.properties}, overridden by environment variables
 * ({@code ESPLINK_HTTP_PORT} for {@code esplink.http.port}), overridden in turn by {@code --name=value} arguments.
 */
public final class Gateway {

    /** The ready route files to load: comma-separated base names from routes/, or resource locations. */
    public static final String ROUTES = "esplink.routes";
    /** Where route files named in {@value #ROUTES} are looked for before the jar's copies. */
    public static final String ROUTES_DIR = "esplink.routes.dir";

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private Gateway() {
    }

    /** Exit code when the data directory or the database cannot be written at start (EX_IOERR of sysexits.h). */
    public static final int EXIT_STORAGE = 74;
    /** Exit code when the gateway cannot start for another reason. */
    public static final int EXIT_START = 1;

    public static void main(String[] args) throws Exception {
        Map<String, String> overrides;
        try {
            overrides = parseArguments(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            printHelp(System.err, args);
            System.exit(2);
            return;
        }
        if (overrides == null) {
            printHelp(System.out, args);
            return;
        }
        Main main = create(overrides);
        try {
            main.run();
        } catch (Exception e) {
            // one line that says what and why; the stack trace only at debug level
            StoreUnavailableException storage = cause(e, StoreUnavailableException.class);
            LOG.debug("The gateway could not start", e);
            if (storage != null) {
                LOG.error("esplink gateway cannot start: {}", storage.getMessage());
            } else {
                LOG.error("esplink gateway cannot start: {}", rootMessage(e));
            }
            stopQuietly(main);
            System.exit(storage != null ? EXIT_STORAGE : EXIT_START);
        }
        System.exit(main.getExitCode());
    }

    private static void stopQuietly(Main main) {
        try {
            main.stop();
        } catch (Exception e) {
            LOG.debug("Stopping after a failed start", e);
        }
    }

    /** The first cause of type {@code type} in {@code e}'s chain, or null. */
    static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !sb.toString().contains(root.getMessage())) {
            sb.append(": ").append(root.getMessage());
        }
        return sb.toString();
    }

    /**
     * The {@code --name=value} arguments as properties; null if help was asked for.
     *
     * @throws IllegalArgumentException for anything else
     */
    static Map<String, String> parseArguments(String[] args) {
        return GatewayCommandLine.parse(args);
    }

    private static void printHelp(PrintStream out, String[] args) {
        GatewayCommandLine.printHelp(out, GatewayCommandLine.routesDir(args, System.getenv()));
    }

    /** A gateway not started yet, with {@code overrides} taking precedence over every other source. */
    public static Main create(Map<String, String> overrides) {
        return create(overrides, System.getenv());
    }

    /** As {@link #create(Map)}, reading environment variables from {@code env}. */
    static Main create(Map<String, String> overrides, Map<String, String> env) {
        Main main = new Main(Gateway.class);
        overrides.forEach(main::addOverrideProperty);
        main.configure().addRoutesBuilder(new GatewayApiRoutes());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                rankEnvironmentBelowArguments(m.getCamelContext(), env);
                normaliseDataDir(m.getCamelContext());
            }

            @Override
            public void afterConfigure(BaseMainSupport m) {
                checkDataDirectory(m.getCamelContext());
                loadReadyRoutes(m.getCamelContext());
                registerStoreChecks(m.getCamelContext());
            }

            @Override
            public void afterStart(BaseMainSupport m) {
                PropertiesComponent pc = m.getCamelContext().getPropertiesComponent();
                LOG.info("esplink gateway ready: nodes on {}:{}, HTTP API on http://{}:{}/nodes, data in {}, routes {}",
                        pc.resolveProperty("esplink.host").orElse("?"), pc.resolveProperty("esplink.port").orElse("?"),
                        pc.resolveProperty("esplink.http.host").orElse("?"),
                        pc.resolveProperty("esplink.http.port").orElse("?"),
                        pc.resolveProperty("esplink.data.dir").orElse("?"), pc.resolveProperty(ROUTES).orElse(""));
            }
        });
        return main;
    }

    /** Arguments (override properties) above environment variables above application.properties. */
    static void rankEnvironmentBelowArguments(CamelContext context, Map<String, String> env) {
        org.apache.camel.component.properties.PropertiesComponent pc
                = (org.apache.camel.component.properties.PropertiesComponent) context.getPropertiesComponent();
        pc.setEnvironmentVariableMode(org.apache.camel.component.properties.PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_NEVER);
        pc.addPropertiesSource(new EnvironmentPropertiesSource(env));
    }

    /** Makes esplink.data.dir absolute, so that every user of it (H2, files, logs) agrees on one directory. */
    static void normaliseDataDir(CamelContext context) {
        PropertiesComponent pc = context.getPropertiesComponent();
        String dir = pc.resolveProperty("esplink.data.dir").orElse("./data");
        pc.addOverrideProperty("esplink.data.dir", Path.of(dir).toAbsolutePath().normalize().toString());
    }

    /**
     * Fails, naming the directory and the cause, when the data directory cannot be written: made if missing, a probe
     * file written, synced and removed, as a store would.
     */
    static void checkDataDirectory(CamelContext context) {
        String dir = context.getPropertiesComponent().resolveProperty("esplink.data.dir").orElse("./data");
        try {
            new JsonLinesStore(dir).probeDirectory();
        } catch (IOException e) {
            throw new IllegalStateException(new StoreUnavailableException("data directory " + dir + ": "
                                                                          + e.getMessage(), e));
        }
    }

    /** A readiness check per store of the ready routes (a real write each, see {@link StoreHealthCheck}). */
    static void registerStoreChecks(CamelContext context) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry == null) {
            return;
        }
        context.getRegistry().findByTypeWithName(MessageStore.class)
                .forEach((name, store) -> registry.register(new StoreHealthCheck(name, store)));
    }

    /**
     * Loads the route files named in {@value #ROUTES}, failing with the list of known ones ({@link ReadyRoutes}) for a
     * bad name. A name is looked up in the directory {@value #ROUTES_DIR} first (./routes by default, so that edits to
     * the repository's routes/ apply without a rebuild), then in the jar.
     */
    static void loadReadyRoutes(CamelContext context) {
        String names = context.getPropertiesComponent().resolveProperty(ROUTES).orElse("");
        Path dir = Path.of(context.getPropertiesComponent().resolveProperty(ROUTES_DIR).orElse("routes"));
        List<Resource> resources = new ArrayList<>();
        for (String raw : names.split(",")) {
            String name = raw.trim();
            if (name.isEmpty()) {
                continue;
            }
            String location;
            if (name.contains(":")) {
                location = name;
            } else if (Files.isRegularFile(dir.resolve(name + ".yaml"))) {
                location = "file:" + dir.resolve(name + ".yaml").toAbsolutePath();
            } else {
                location = "classpath:routes/" + name + ".yaml";
            }
            LOG.info("Route file {}: {}", name, location);
            Resource r = PluginHelper.getResourceLoader(context).resolveResource(location);
            if (r == null || !r.exists()) {
                throw new IllegalArgumentException(ROUTES + ": no route file '" + name + "' (" + location
                                                   + "). Known: " + ReadyRoutes.names(dir)
                                                   + ", or a location such as file:my-routes.yaml");
            }
            resources.add(r);
        }
        try {
            PluginHelper.getRoutesLoader(context).loadRoutes(resources);
        } catch (Exception e) {
            StoreUnavailableException storage = cause(e, StoreUnavailableException.class);
            if (storage != null) {
                throw new IllegalStateException(storage);
            }
            throw new IllegalStateException("Could not load the routes of " + ROUTES + "=" + names + ": "
                                            + e.getMessage(), e);
        }
    }
}
