package io.esplink.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load tool: N nodes that behave as micropython-iot's {@code iot/client.py}, all driven by one NIO selector
 * thread (no thread per node), against a gateway or the {@link CeilingServer}.
 */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
         description = { "Runs N simulated micropython-iot nodes on one selector thread and measures the gateway.",
                 "Modes: ingest (readings as fast as ACKs allow, or --rate per node; send->ACK latency), echo (the "
                 + "gateway sends each message back; send->echo latency), idle (connect and hold; outages), storm "
                 + "(all connect at once; time until all up, handshake timeouts, refusals)." })
public final class LoadTool implements Callable<Integer> {

    /** Called by the controller thread (not the loop) around the measuring window. */
    public interface Hooks {
        default void measureStart() {
        }

        default void measureEnd() {
        }
    }

    @Option(names = "--mode", description = "ingest, echo, idle or storm (default: ${DEFAULT-VALUE}).")
    LoadEngine.Mode mode = LoadEngine.Mode.ingest;

    @Option(names = "--host", description = "Gateway address (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Gateway node port (default: ${DEFAULT-VALUE}).")
    int port = 8123;

    @Option(names = { "-n", "--nodes" }, description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes = 100;

    @Option(names = "--id-prefix", description = "Client IDs are this and a 5-digit number (default: ${DEFAULT-VALUE}).")
    String idPrefix = "bench-";

    @Option(names = "--credentials", paramLabel = "FILE",
            description = "ID lines from a file of clientId:secret lines (one per node, in order) instead of "
                          + "--id-prefix; each node sends its whole line as its ID line.")
    Path credentials;

    @Option(names = "--rate", description = "Messages per second per node; 0: as fast as ACKs (and, in echo mode, "
                                            + "echoes) allow (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--size", description = "Payload bytes (default: ${DEFAULT-VALUE}); it carries node, sequence and "
                                            + "send time, so it is at least about 60 + the client ID.")
    int size = 64;

    @Option(names = "--timeout", description = "Link timeout in ms, the gateway's (default: ${DEFAULT-VALUE}).")
    long timeoutMs = 2000;

    @Option(names = "--max-unacked", description = "Messages a node may have unACKed: 1 is wait on (L21), more is "
                                                   + "wait off with that bound (default: ${DEFAULT-VALUE}).")
    int maxUnacked = 1;

    @Option(names = "--connect-rate", description = "New connections per second; 0: all at once (default: "
                                                    + "${DEFAULT-VALUE}).")
    double connectRate;

    @Option(names = "--connect-timeout", description = "How long to wait for every node to be up (default: "
                                                       + "${DEFAULT-VALUE}).")
    Duration connectTimeout = Duration.ofSeconds(60);

    @Option(names = "--warmup", description = "Sending before the measuring window (default: ${DEFAULT-VALUE}).")
    Duration warmup = Duration.ofSeconds(3);

    @Option(names = { "-d", "--duration" }, description = "The measuring window (default: 10s; storm: 3s).")
    Duration duration;

    @Option(names = "--drain", description = "After the window: how long to wait for the last ACKs and echoes "
                                             + "(default: ${DEFAULT-VALUE}).")
    Duration drain = Duration.ofSeconds(10);

    @Option(names = "--echo-timeout", description = "How long a node waits for the echo of its message before it "
                                                    + "sends the next anyway (default: ${DEFAULT-VALUE}).")
    Duration echoTimeout = Duration.ofSeconds(20);

    @Option(names = "--sources", description = "Source addresses to bind, round-robin: a range 127.0.0.2-127.0.0.250, "
                                               + "a comma list, 'none', or 'auto' (that range when the target is "
                                               + "loopback; default: ${DEFAULT-VALUE}).")
    String sources = "auto";

    @Option(names = "--progress", description = "Print totals this often; 0s: never (default: ${DEFAULT-VALUE}).")
    Duration progress = Duration.ofSeconds(5);

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--seed", hidden = true)
    long seed = 42;

    PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(Main.commandLine(new LoadTool()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        LoadResult r = run(new Hooks() {
        });
        r.print(out);
        if (json != null) {
            r.writeJson(json);
        }
        return 0;
    }

    Duration window() {
        return duration != null ? duration : mode == LoadEngine.Mode.storm ? Duration.ofSeconds(3) : Duration.ofSeconds(10);
    }

    LoadEngine.Settings settings() throws IOException {
        LoadEngine.Settings s = new LoadEngine.Settings();
        s.mode = mode;
        s.target = new InetSocketAddress(host, port);
        s.sources = sourceAddresses(sources, s.target.getAddress());
        s.idLines = idLines();
        s.timeoutMs = timeoutMs;
        s.rate = rate;
        s.size = size;
        s.maxUnacked = Math.max(1, maxUnacked);
        s.connectRate = mode == LoadEngine.Mode.storm ? 0 : connectRate;
        s.echoTimeoutMs = echoTimeout.toMillis();
        s.seed = seed;
        return s;
    }

    private List<String> idLines() throws IOException {
        List<String> ids = new ArrayList<>();
        if (credentials != null) {
            for (String line : Files.readAllLines(credentials, StandardCharsets.UTF_8)) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    ids.add(l);
                }
            }
            if (ids.size() < nodes) {
                throw new CommandLine.ParameterException(new CommandLine(this), credentials + " has " + ids.size()
                                                                              + " credentials for " + nodes + " nodes");
            }
            return ids.subList(0, nodes);
        }
        for (int i = 0; i < nodes; i++) {
            ids.add(String.format("%s%05d", idPrefix, i));
        }
        return ids;
    }

    /** Parses --sources: a range a.b.c.x-a.b.c.y, a comma list, none, or auto. */
    static List<InetSocketAddress> sourceAddresses(String spec, InetAddress target) throws UnknownHostException {
        List<InetSocketAddress> list = new ArrayList<>();
        if (spec == null || spec.equals("none")) {
            return list;
        }
        if (spec.equals("auto")) {
            if (target == null || !target.isLoopbackAddress() || target.getAddress().length != 4) {
                return list;
            }
            spec = "127.0.0.2-127.0.0.250";
        }
        for (String part : spec.split(",")) {
            part = part.strip();
            int dash = part.indexOf('-');
            if (dash < 0) {
                list.add(new InetSocketAddress(InetAddress.getByName(part), 0));
                continue;
            }
            byte[] from = InetAddress.getByName(part.substring(0, dash)).getAddress();
            byte[] to = InetAddress.getByName(part.substring(dash + 1)).getAddress();
            long a = toLong(from);
            long b = toLong(to);
            for (long v = a; v <= b; v++) {
                list.add(new InetSocketAddress(InetAddress.getByAddress(new byte[] { (byte) (v >> 24), (byte) (v >> 16),
                        (byte) (v >> 8), (byte) v }), 0));
            }
        }
        return list;
    }

    private static long toLong(byte[] ip) {
        if (ip.length != 4) {
            throw new IllegalArgumentException("address ranges are for IPv4 only");
        }
        return (ip[0] & 0xffL) << 24 | (ip[1] & 0xffL) << 16 | (ip[2] & 0xffL) << 8 | ip[3] & 0xffL;
    }

    /** Runs the nodes: connect, warm up, measure, drain, close. */
    LoadResult run(Hooks hooks) throws IOException, InterruptedException {
        LoadEngine.Settings s = settings();
        LoadEngine engine = new LoadEngine(s);
        engine.start("esplink-load");
        try {
            int n = s.idLines.size();
            long t0 = System.nanoTime();
            engine.call(() -> {
                engine.connectAll();
                return null;
            });
            long deadline = t0 + connectTimeout.toNanos();
            long nextPrint = t0 + progress.toNanos();
            while (System.nanoTime() < deadline) {
                if (engine.call(engine::everUp) >= n) {
                    break;
                }
                Thread.sleep(10);
                nextPrint = maybePrint(engine, "connecting", nextPrint);
            }
            long allUpNs = engine.call(engine::allUpNs);
            int everUp = engine.call(engine::everUp);
            if (progress.toNanos() > 0) {
                out.printf("[load] %d/%d up %s%n", everUp, n,
                        allUpNs >= 0 ? String.format("after %.0f ms", allUpNs / 1e6) : "when the connect timeout ran out");
            }
            engine.call(() -> {
                engine.startSending();
                return null;
            });
            if (mode != LoadEngine.Mode.storm) {
                nextPrint = sleep(engine, "warmup", warmup, nextPrint);
            }
            Counters c0 = engine.call(() -> {
                engine.timers.resetLateness();
                engine.recording(true);
                return engine.counters.copy();
            });
            long w0 = System.nanoTime();
            hooks.measureStart();
            sleep(engine, "measuring", window(), nextPrint);
            long[] lag = new long[2];
            long[] connectLag = new long[2];
            Counters c1 = engine.call(() -> {
                connectLag[0] = engine.connectPhaseMaxLateNs;
                connectLag[1] = engine.connectPhaseLateTimers;
                engine.recording(false);
                lag[0] = engine.timers.maxLateNs;
                lag[1] = engine.timers.lateCount;
                return engine.counters.copy();
            });
            long w1 = System.nanoTime();
            hooks.measureEnd();
            engine.call(() -> {
                engine.stopSending();
                return null;
            });
            long drainEnd = System.nanoTime() + drain.toNanos();
            while (System.nanoTime() < drainEnd && engine.call(engine::outstanding) > 0) {
                Thread.sleep(20);
            }
            int upAtEnd = engine.call(engine::upNow);
            Counters total = engine.call(() -> {
                engine.closeNodes();
                return engine.counters.copy();
            });
            engine.stop();
            if (engine.failure() != null) {
                throw new IllegalStateException("the load loop failed", engine.failure());
            }
            LoadResult r = new LoadResult(describe(s), n, allUpNs >= 0 ? allUpNs / 1e6 : -1, everUp, upAtEnd,
                    (w1 - w0) / 1e9, total, c1.minus(c0), engine.ackLatency, engine.echoLatency, engine.firstUp);
            r.firstConnected = engine.firstConnected;
            r.firstLine = engine.firstLine;
            r.connectMaxLateMs = connectLag[0] / 1e6;
            r.connectLateTimers = connectLag[1];
            r.loopMaxLateMs = lag[0] / 1e6;
            r.loopLateTimers = lag[1];
            return r;
        } finally {
            engine.stop();
        }
    }

    private long sleep(LoadEngine engine, String phase, Duration d, long nextPrint) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        long now;
        while ((now = System.nanoTime()) < end) {
            Thread.sleep(Math.max(1, Math.min(100, (end - now) / 1_000_000)));
            nextPrint = maybePrint(engine, phase, nextPrint);
        }
        return nextPrint;
    }

    private long maybePrint(LoadEngine engine, String phase, long nextPrint) {
        if (progress.toNanos() <= 0 || System.nanoTime() < nextPrint) {
            return nextPrint;
        }
        Counters c = engine.call(engine.counters::copy);
        int up = engine.call(engine::upNow);
        out.printf("[load] %s: up %d/%d sent %d acked %d echoed %d retransmissions %d outages %d refused %d "
                   + "handshake-timeouts %d%n", phase, up, engine.nodes.length, c.sent, c.acked, c.echoed,
                c.retransmissions, c.outages(), c.refused, c.handshakeTimeouts);
        return System.nanoTime() + progress.toNanos();
    }

    private Map<String, Object> describe(LoadEngine.Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", s.mode.name());
        m.put("target", host + ":" + port);
        m.put("nodes", s.idLines.size());
        m.put("ratePerNode", s.rate);
        m.put("payloadBytes", s.size);
        m.put("timeoutMs", s.timeoutMs);
        m.put("maxUnacked", s.maxUnacked);
        m.put("connectRate", s.connectRate);
        m.put("sourceAddresses", s.sources.size());
        m.put("warmupSeconds", warmup.toMillis() / 1000.0);
        m.put("durationSeconds", window().toMillis() / 1000.0);
        m.put("credentials", credentials != null);
        return m;
    }
}
