package io.esplink.sim;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The command line of the node simulator. */
@Command(name = "esplink-node-sim", mixinStandardHelpOptions = true, version = "esplink-node-sim 0.1.0",
         sortOptions = false, usageHelpAutoWidth = true,
         description = "Runs simulated micropython-iot nodes against an esplink gateway: JSON readings at a rate, "
                       + "echo or logging of what they receive, simulated outages, live totals.%n",
         exitCodeListHeading = "%nExit codes:%n",
         exitCodeList = { "0:stopped by itself (count or duration) with every reading acknowledged",
                 "1:readings left unacknowledged or failed, or interrupted", "2:bad arguments" })
public final class NodeSim implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Gateway host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8123", description = "Gateway port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--nodes", defaultValue = "3", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--prefix", defaultValue = "sim",
            description = "Client IDs are <prefix>-1 .. <prefix>-N (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--ids", split = ",", description = "Explicit client IDs (comma-separated); replaces --nodes/--prefix.")
    List<String> ids;

    @Option(names = "--credentials",
            description = "A file of node credentials, one 'clientId:secret' per line (what `esplink-gateway.jar "
                          + "credentials add` prints): these are the nodes, each sending its secret; replaces "
                          + "--nodes/--prefix/--ids.")
    java.nio.file.Path credentials;

    @Option(names = "--timeout", defaultValue = "2000",
            description = "Link timeout in ms; must equal the gateway's (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--rate", defaultValue = "1",
            description = "Readings per second per node; 0 sends none (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--count", defaultValue = "0",
            description = "Readings per node, then stop; 0 for no limit (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Send for this long (30s, 5m, 500ms), then stop; default: no limit.")
    Duration duration;

    @Option(names = "--qos", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Wait for the gateway's ACK and resend until it comes (default: ${DEFAULT-VALUE}).")
    boolean qos;

    @Option(names = "--max-in-flight", defaultValue = "20",
            description = "Unacknowledged readings per node before further readings are skipped "
                          + "(default: ${DEFAULT-VALUE}, the upstream client's queue size).")
    int maxInFlight;

    @Option(names = "--on-receive", defaultValue = "log",
            description = "What nodes do with a received line: echo, log or ignore (default: ${DEFAULT-VALUE}).")
    String onReceive;

    @Option(names = "--outage-every", converter = DurationConverter.class,
            description = "Drop a link on purpose this often (e.g. 60s); default: never.")
    Duration outageEvery;

    @Option(names = "--outage-nodes", defaultValue = "1",
            description = "Nodes that lose their link at each outage (default: ${DEFAULT-VALUE}).")
    int outageNodes;

    @Option(names = "--stats-every", converter = DurationConverter.class, defaultValue = "2s",
            description = "Print the totals this often; 0 for only at the end (default: 2s).")
    Duration statsEvery;

    @Option(names = "--drain", converter = DurationConverter.class, defaultValue = "5s",
            description = "At the end, wait this long for outstanding ACKs (default: 5s).")
    Duration drain;

    @Option(names = "--quiet", description = "Do not print received lines (mode log).")
    boolean quiet;

    @Option(names = "--seed", description = "Seed of the random readings, for repeatable runs.")
    Long seed;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new NodeSim()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** The settings the options describe. */
    Simulation.Settings settings() {
        Simulation.Settings s = new Simulation.Settings();
        s.host = host;
        s.port = port;
        if (credentials != null) {
            java.util.Map<String, String> secrets = new java.util.LinkedHashMap<>();
            List<String> lines;
            try {
                lines = java.nio.file.Files.readAllLines(credentials);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--credentials: cannot read " + credentials + ": " + e.getMessage());
            }
            for (String raw : lines) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int colon = line.lastIndexOf(':');
                if (colon <= 0 || colon == line.length() - 1) {
                    throw new IllegalArgumentException("--credentials: '" + line + "' in " + credentials
                                                       + " is not clientId:secret");
                }
                secrets.put(line.substring(0, colon), line.substring(colon + 1));
            }
            if (secrets.isEmpty()) {
                throw new IllegalArgumentException("--credentials: no clientId:secret line in " + credentials);
            }
            s.ids = List.copyOf(secrets.keySet());
            s.secrets = secrets;
        } else if (ids != null && !ids.isEmpty()) {
            s.ids = ids.stream().map(String::trim).toList();
        } else {
            if (nodes < 1 || nodes > 100_000) {
                throw new IllegalArgumentException("--nodes must be from 1 to 100000, not " + nodes);
            }
            List<String> list = new ArrayList<>(nodes);
            for (int i = 1; i <= nodes; i++) {
                list.add(prefix + "-" + i);
            }
            s.ids = list;
        }
        s.timeoutMs = timeoutMs;
        s.rate = rate;
        s.count = count;
        s.duration = duration;
        s.qos = qos;
        s.maxInFlight = maxInFlight;
        try {
            s.onReceive = Simulation.OnReceive.valueOf(onReceive.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--on-receive must be echo, log or ignore, not '" + onReceive + "'");
        }
        s.outageEvery = outageEvery;
        s.outageNodes = outageNodes;
        if (seed != null) {
            s.seed = seed;
        }
        return s.validate();
    }

    @Override
    public Integer call() throws Exception {
        Simulation.Settings s;
        try {
            s = settings();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%d node(s) -> %s:%d, %s readings/s each%s%s%n", s.ids.size(), s.host, s.port, fmt(s.rate),
                s.count > 0 ? ", " + s.count + " each" : "", s.duration != null ? ", for " + s.duration.toMillis() + " ms" : "");
        out.flush();
        Simulation sim = new Simulation(s, line -> {
            if (!quiet) {
                out.println(line);
                out.flush();
            }
        });
        Thread hook = new Thread(() -> {
            out.println("interrupted: " + sim.totals().line());
            out.flush();
            sim.close();
        }, "node-sim-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        sim.start();
        long statsMs = statsEvery.toMillis();
        boolean bounded = s.bounded();
        while (!bounded || !sim.sendingDone().isDone()) {
            try {
                sim.sendingDone().get(statsMs > 0 ? statsMs : Long.MAX_VALUE, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // a stats period went by
            }
            if (statsMs > 0) {
                out.println(sim.totals().line());
                out.flush();
            }
            if (bounded && sim.sendingDone().isDone()) {
                break;
            }
        }
        long drainUntil = System.nanoTime() + drain.toNanos();
        while (!sim.drained() && System.nanoTime() < drainUntil) {
            Thread.sleep(20); // polling the counters of a command-line tool at the end of its run
        }
        Simulation.Totals t = sim.totals();
        Runtime.getRuntime().removeShutdownHook(hook);
        sim.close();
        boolean clean = t.inFlight() == 0 && t.failed() == 0 && t.acked() == t.sent();
        out.println((clean ? "done: " : "done, NOT all acknowledged: ") + t.line());
        out.flush();
        return clean ? 0 : 1;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** 30s, 5m, 1h, 500ms, or a plain number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern P = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            Matcher m = P.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 30s, 5m, 500ms");
            }
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double ms = switch (unit) {
                case "ms" -> n;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                default -> n * 1000;
            };
            return Duration.ofMillis(Math.round(ms));
        }
    }
}
