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
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
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

    /** Whether Camel's event console records exchange events (default false: a cost at every node message). */
    static final String DEV_CONSOLE_EXCHANGE_EVENTS = "esplink.dev-console.exchange-events";

    /** The ready route files to load: comma-separated base names from routes/, or resource locations. */
    public static final String ROUTES = "esplink.routes";
    /** Where route files named in {@value #ROUTES} are looked for before the jar's copies. */
    public static final String ROUTES_DIR = "esplink.routes.dir";
    /** The key store of the HTTP API (HTTPS), with {@code -password} and {@code -type} properties. */
    public static final String HTTP_TLS = "esplink.http.tls.keystore";
    /** The key store of the node port (TLS), with {@code -password} and {@code -type} properties. */
    public static final String NODE_TLS = "esplink.tls.keystore";
    /** The registry name of the node port's SSL context parameters. */
    static final String NODE_TLS_BEAN = "esplinkNodeTls";

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private Gateway() {
    }

    /** Exit code when the data directory or the database cannot be written at start (EX_IOERR of sysexits.h). */
    public static final int EXIT_STORAGE = 74;
    /** Exit code when the gateway cannot start for another reason. */
    public static final int EXIT_START = 1;

    /**
     * System property: a directory whose application.properties the gateway reads instead of the one on the classpath
     * (bin/esplink-gateway gives its conf/).
     */
    static final String CONF_DIR = "esplink.conf.dir";

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("credentials")) {
            System.exit(CredentialsCommand.commandLine().execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
            return;
        }
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
        // not Main(Gateway.class), which would scan this package and add a second GatewayApiRoutes
        Main main = new Main();
        String conf = System.getProperty(CONF_DIR);
        if (conf != null && !conf.isBlank()) {
            // the installation's conf/ read as a file, not as a classpath directory: a class-data archive (bin/'s
            // ESPLINK_CDS) takes a classpath of jars only
            main.setDefaultPropertyPlaceholderLocation("file:" + Path.of(conf, "application.properties").toAbsolutePath());
        }
        overrides.forEach(main::addOverrideProperty);
        main.configure().addRoutesBuilder(new GatewayApiRoutes());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                rankEnvironmentBelowArguments(m.getCamelContext(), env);
                normaliseDataDir(m.getCamelContext());
                configureTls(m.getCamelContext());
            }

            @Override
            public void afterConfigure(BaseMainSupport m) {
                checkDataDirectory(m.getCamelContext());
                loadReadyRoutes(m.getCamelContext());
                registerStoreChecks(m.getCamelContext());
                CamelContext context = m.getCamelContext();
                addRouteMeters(context);
                if (!Boolean.parseBoolean(context.getPropertiesComponent().resolveProperty(DEV_CONSOLE_EXCHANGE_EVENTS)
                        .orElse("false"))) {
                    try {
                        // once started: Camel adds the consoles' notifiers while it starts
                        context.addStartupListener(new org.apache.camel.ExtendedStartupListener() {
                            @Override
                            public void onCamelContextStarted(CamelContext c, boolean alreadyStarted) {
                            }

                            @Override
                            public void onCamelContextFullyStarted(CamelContext c, boolean alreadyStarted) {
                                ignoreExchangeEventsWhereUnused(c);
                            }
                        });
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }

            @Override
            public void afterStart(BaseMainSupport m) {
                PropertiesComponent pc = m.getCamelContext().getPropertiesComponent();
                boolean https = keyStore(pc, HTTP_TLS) != null;
                String httpHost = pc.resolveProperty("esplink.http.host").orElse("?");
                String web = (https ? "https" : "http") + "://" + httpHost + ":"
                             + pc.resolveProperty("esplink.http.port").orElse("?");
                LOG.info("esplink gateway ready: nodes on {}:{}{}, HTTP API on {} ({}), status page on {}/, data in {}, "
                         + "routes {}",
                        pc.resolveProperty("esplink.host").orElse("?"), pc.resolveProperty("esplink.port").orElse("?"),
                        keyStore(pc, NODE_TLS) != null ? " (TLS)" : "", web, GatewayApiRoutes.ENDPOINTS, web,
                        pc.resolveProperty("esplink.data.dir").orElse("?"), pc.resolveProperty(ROUTES).orElse(""));
                if (!https && !isLoopback(httpHost)) {
                    LOG.warn("The HTTP API listens on {} without TLS: its token and data cross the network in clear "
                             + "text. Set {} for HTTPS, or esplink.http.host=127.0.0.1", httpHost, HTTP_TLS);
                }
            }
        });
        return main;
    }

    /**
     * Adds the gateway's per-route meters ({@link RouteMeters}) unless {@value RouteMeters#ENABLED} is false. They
     * stand in for camel-micrometer's route policy, which must then be off ({@code camel.metrics.enable-route-policy
     * =false}, as application.properties has it): a route fails to start if both are on.
     */
    static void addRouteMeters(CamelContext context) {
        PropertiesComponent pc = context.getPropertiesComponent();
        if (!Boolean.parseBoolean(pc.resolveProperty(RouteMeters.ENABLED).orElse("true").trim())) {
            return;
        }
        String naming = pc.resolveProperty("camel.metrics.naming-strategy")
                .or(() -> pc.resolveProperty("camel.metrics.namingStrategy")).orElse("default").trim();
        context.addRoutePolicyFactory(new RouteMeters("legacy".equalsIgnoreCase(naming)
                ? org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyNamingStrategy.LEGACY
                : org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyNamingStrategy.DEFAULT));
    }

    /**
     * Exchange events are objects made at every exchange, for every notifier that does not ignore them, even one that
     * then drops them; at the gateway's rates that is a cost at every node message (9% of the echo path's rate,
     * BENCHMARKS.md). Two notifiers the gateway has take them without need:
     * <ul>
     * <li>Camel's developer console "event" records the last context, route and exchange events: it keeps context
     * and route events, and exchange events only when {@value #DEV_CONSOLE_EXCHANGE_EVENTS} is true;</li>
     * <li>Camel's Micrometer route event notifier counts route events only.</li>
     * </ul>
     */
    static void ignoreExchangeEventsWhereUnused(CamelContext context) {
        for (org.apache.camel.spi.EventNotifier n : context.getManagementStrategy().getEventNotifiers()) {
            String type = n.getClass().getName();
            if (type.equals("org.apache.camel.impl.console.EventConsole$ConsoleEventNotifier")
                || type.equals("org.apache.camel.component.micrometer.eventnotifier.MicrometerRouteEventNotifier")) {
                n.setIgnoreExchangeEvents(true);
            }
        }
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
     * TLS from the gateway's properties, each only when its key store is set:
     * <ul>
     * <li>HTTPS for the API from {@value #HTTP_TLS}: becomes Camel Main's global SSL configuration
     * ({@code camel.ssl.*}), which the HTTP server uses ({@code camel.server.use-global-ssl-context-parameters}); the
     * esplink component does not use the global one unless told to;</li>
     * <li>TLS for the node port from {@value #NODE_TLS}: SSL context parameters bound as {@value #NODE_TLS_BEAN} and
     * given to the esplink component ({@code camel.component.esplink.ssl-context-parameters}), so every esplink
     * endpoint of the gateway's address uses them.</li>
     * </ul>
     */
    static void configureTls(CamelContext context) {
        PropertiesComponent pc = context.getPropertiesComponent();
        KeyStoreParameters http = keyStore(pc, HTTP_TLS);
        if (http != null) {
            pc.addOverrideProperty("camel.ssl.enabled", "true");
            pc.addOverrideProperty("camel.ssl.key-store", http.getResource());
            pc.addOverrideProperty("camel.ssl.key-store-type", http.getType());
            pc.addOverrideProperty("camel.ssl.keystore-password", http.getPassword());
            pc.addOverrideProperty("camel.server.use-global-ssl-context-parameters", "true");
        }
        KeyStoreParameters node = keyStore(pc, NODE_TLS);
        if (node != null) {
            KeyManagersParameters km = new KeyManagersParameters();
            km.setKeyStore(node);
            km.setKeyPassword(node.getPassword());
            SSLContextParameters tls = new SSLContextParameters();
            tls.setCamelContext(context);
            tls.setKeyManagers(km);
            context.getRegistry().bind(NODE_TLS_BEAN, tls);
            pc.addOverrideProperty("camel.component.esplink.ssl-context-parameters", "#" + NODE_TLS_BEAN);
        }
    }

    /**
     * The key store named by property {@code name} (with {@code name-password} and {@code name-type}, default
     * PKCS12), or null when it is empty.
     *
     * @throws IllegalArgumentException when the file cannot be read
     */
    static KeyStoreParameters keyStore(PropertiesComponent pc, String name) {
        String location = pc.resolveProperty(name).orElse("").trim();
        if (location.isEmpty()) {
            return null;
        }
        Path file = Path.of(location).toAbsolutePath().normalize();
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(name + ": cannot read the key store " + file);
        }
        KeyStoreParameters ks = new KeyStoreParameters();
        ks.setResource("file:" + file);
        ks.setPassword(pc.resolveProperty(name + "-password").orElse(""));
        String type = pc.resolveProperty(name + "-type").orElse("").trim();
        ks.setType(type.isEmpty() ? "PKCS12" : type);
        return ks;
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
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
