package io.esplink.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Unmatched;

/**
 * The gateway's command line: {@code --name=value} arguments, each setting the property {@code name} above its
 * environment variable and application.properties, and {@code -h}/{@code --help}. The main properties are declared
 * here for the help (their defaults are read from application.properties); any other property is taken as well.
 */
@Command(name = "esplink-gateway", customSynopsis = { "java -jar esplink-gateway.jar [--name=value ...]",
        "java -jar esplink-gateway.jar credentials add|remove|list [<clientId>...]   (node credentials; --help there)" },
         sortOptions = false, usageHelpAutoWidth = true, showDefaultValues = true,
         description = {
                 "%nThe esplink gateway: micropython-iot nodes connect on esplink.port, the ready routes of "
                 + "esplink.routes store or forward what they send, an HTTP API answers on esplink.http.port "
                 + "(GET /nodes, GET|POST /nodes/{id}/messages, GET /health).%n",
                 "Every property of application.properties and of the ready routes can be given as --name=value "
                 + "or as an environment variable (upper case, '.' and '-' as '_': ESPLINK_HTTP_PORT for "
                 + "esplink.http.port); arguments win over environment variables, which win over "
                 + "application.properties. The main ones:%n" },
         exitCodeListHeading = "%nExit codes:%n",
         exitCodeList = { "0:stopped", "1:could not start", "2:bad arguments",
                 "74:the data directory or the database cannot be written at start" })
final class GatewayCommandLine {

    /** The help section that lists the ready routes. */
    static final String READY_ROUTES_SECTION = "readyRoutes";

    @Option(names = { "-h", "--help" }, usageHelp = true, description = "Print this help and exit.")
    boolean help;

    @Option(names = "--esplink.port", paramLabel = "<port>",
            description = "Port the nodes connect to (their local.py PORT).")
    String port;

    @Option(names = "--esplink.host", paramLabel = "<address>", description = "Address to listen on for nodes.")
    String host;

    @Option(names = "--esplink.timeout", paramLabel = "<ms>",
            description = "Link timeout in ms; must equal the nodes' TIMEOUT.")
    String timeout;

    @Option(names = "--esplink.expected", paramLabel = "<ids>",
            description = "Client IDs you expect, comma-separated; others are warned about and listed as not "
                          + "expected.")
    String expected;

    @Option(names = "--esplink.reject-unknown", paramLabel = "<true|false>",
            description = "Refuse client IDs not in esplink.expected.")
    String rejectUnknown;

    @Option(names = "--esplink.tls.keystore", paramLabel = "<file>",
            description = "Key store (PKCS12; esplink.tls.keystore-password, -type) for TLS on the node port; "
                          + "empty: plain TCP.")
    String nodeKeystore;

    @Option(names = "--esplink.log.messages", paramLabel = "<level>",
            description = "Level at which each node message is logged (INFO shows them).")
    String logMessages;

    @Option(names = "--esplink.http.port", paramLabel = "<port>", description = "Port of the HTTP API.")
    String httpPort;

    @Option(names = "--esplink.http.host", paramLabel = "<address>",
            description = "Address of the HTTP API (0.0.0.0: every interface).")
    String httpHost;

    @Option(names = "--esplink.http.token", paramLabel = "<token>",
            description = "The API's bearer token; empty: made at the first start and kept in "
                          + "<data dir>/api-token. Prefer ESPLINK_HTTP_TOKEN (arguments show in ps).")
    String httpToken;

    @Option(names = "--esplink.http.send-timeout", paramLabel = "<duration>",
            description = "How long POST /nodes/{id}/messages waits for the node's ACK.")
    String sendTimeout;

    @Option(names = "--esplink.http.max-waiting", paramLabel = "<n>",
            description = "How many POSTs may wait for their nodes at once; more get 503.")
    String maxWaiting;

    @Option(names = "--esplink.http.tls.keystore", paramLabel = "<file>",
            description = "Key store (PKCS12; esplink.http.tls.keystore-password, -type) for HTTPS; empty: HTTP.")
    String httpKeystore;

    @Option(names = "--esplink.data.dir", paramLabel = "<dir>",
            description = "Where the H2 database and the JSON-lines files go.")
    String dataDir;

    @Option(names = "--esplink.routes", paramLabel = "<routes>",
            description = "The ready routes to run, comma-separated: names listed below, or locations such as "
                          + "file:/etc/esplink/my-routes.yaml.")
    String routes;

    @Option(names = "--esplink.routes.dir", paramLabel = "<dir>",
            description = "Where route names are looked for first (then in the jar).")
    String routesDir;

    @Option(names = "--esplink.db.url", paramLabel = "<jdbc-url>",
            description = "JDBC URL of the database (PostgreSQL works too).")
    String dbUrl;

    @Option(names = "--esplink.db.user", paramLabel = "<user>", description = "Database user.")
    String dbUser;

    @Option(names = "--esplink.db.sync-on-commit", paramLabel = "<true|false>",
            description = "H2 only: sync every commit to disk; false survives a crash of the gateway, not a power "
                          + "cut.")
    String syncOnCommit;

    /** Every other --name=value. */
    @Unmatched
    List<String> otherProperties = new ArrayList<>();

    private GatewayCommandLine() {
    }

    static CommandLine commandLine() {
        Properties defaults = applicationProperties();
        return new CommandLine(new GatewayCommandLine())
                .setExpandAtFiles(false) // an argument @x is not a file to read
                .setOverwrittenOptionsAllowed(true) // the last of a repeated property wins
                .setDefaultValueProvider(arg -> defaultValue(arg, defaults));
    }

    /**
     * The {@code --name=value} arguments as properties, in their order (the last of a repeated name wins); null if
     * help was asked for.
     *
     * @throws IllegalArgumentException for any argument of another form
     */
    static Map<String, String> parse(String[] args) {
        ParseResult parsed;
        try {
            parsed = commandLine().parseArgs(args);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Map<String, String> props = new LinkedHashMap<>();
        for (String arg : parsed.originalArgs()) {
            if (arg.equals("-h") || arg.equals("--help")) {
                return null;
            }
            // one form only, for declared and other properties alike (not "--name value")
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq <= 2) {
                throw new IllegalArgumentException("Unknown argument '" + arg + "': expected --name=value");
            }
            props.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return props;
    }

    /** The help, with the ready routes found on the class path and in {@code routesDir}. */
    static void printHelp(PrintStream out, Path routesDir) {
        CommandLine cl = commandLine();
        cl.getHelpSectionMap().put(READY_ROUTES_SECTION, h -> readyRoutesSection(routesDir, cl.getUsageHelpWidth()));
        List<String> keys = new ArrayList<>(cl.getHelpSectionKeys());
        keys.add(keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING),
                READY_ROUTES_SECTION);
        cl.setHelpSectionKeys(keys);
        cl.usage(out);
    }

    static String readyRoutesSection(Path routesDir, int width) {
        StringBuilder sb = new StringBuilder(String.format("%nReady routes for --esplink.routes (README.md describes "
                                                           + "them),%nfound in the jar's routes/ and in %s:%n",
                routesDir));
        StringBuilder line = new StringBuilder(" ");
        List<String> names = new ArrayList<>(ReadyRoutes.names(routesDir));
        for (int i = 0; i < names.size(); i++) {
            String word = " " + names.get(i) + (i < names.size() - 1 ? "," : "");
            if (line.length() + word.length() > width && line.length() > 1) {
                sb.append(line).append(System.lineSeparator());
                line = new StringBuilder(" ");
            }
            line.append(word);
        }
        if (names.isEmpty()) {
            line.append(" (none found)");
        }
        return sb.append(line).append(System.lineSeparator()).toString();
    }

    /**
     * {@code esplink.routes.dir} as the gateway will see it: the last such argument, else its environment
     * variable, else application.properties, else {@code routes}.
     */
    static Path routesDir(String[] args, Map<String, String> env) {
        String prefix = "--" + Gateway.ROUTES_DIR + "=";
        String dir = null;
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                dir = arg.substring(prefix.length());
            }
        }
        if (dir == null) {
            dir = env.get(EnvironmentPropertiesSource.variableName(Gateway.ROUTES_DIR));
        }
        if (dir == null) {
            dir = applicationProperties().getProperty(Gateway.ROUTES_DIR, "routes");
        }
        return Path.of(dir);
    }

    /** An option's default: its value in application.properties. */
    private static String defaultValue(ArgSpec arg, Properties defaults) {
        if (arg instanceof OptionSpec o && o.longestName().startsWith("--esplink.")) {
            return defaults.getProperty(o.longestName().substring(2));
        }
        return null;
    }

    static Properties applicationProperties() {
        Properties p = new Properties();
        try (InputStream in = GatewayCommandLine.class.getResourceAsStream("/application.properties")) {
            if (in != null) {
                p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
