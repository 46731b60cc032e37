package io.esplink.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The targets table of issue 10, measured in one run: starts the gateway jar (a fresh data directory each time) and
 * the {@link CeilingServer} as processes of their own, drives them with the {@link LoadTool} in this process, and
 * prints figure, measured, target, pass/fail with the machine's facts.
 */
@Command(name = "scenarios", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
         description = { "Runs the scenarios of BENCHMARKS.md against the gateway jar and the ceiling server, side by "
                         + "side where a ratio is asked, and prints the targets table.",
                 "Scenarios: ingest (defaults: database + files; 1,000 nodes at full speed, then 5,000 msg/s offered), "
                 + "echo (100 nodes, echo route vs ceiling in alternating turns, then half the gateway's saturating rate), "
                 + "storm (15,000 "
                 + "nodes at once, then 60 s idle: CPU vs ceiling, outages, heap per node), stuck (a route that never "
                 + "completes while nodes keep sending: heap), board (the gateway at -Xmx128m on one core: 1,000 nodes "
                 + "at 1 msg/s on the default routes and without storage routes, CPU ratio, ACK p99, RSS, start to "
                 + "/health; then 8 sockets flooding 16 KB lines: alive, no OutOfMemoryError, /health, a bystander "
                 + "node with credentials ACKed)." })
public final class Scenarios implements Callable<Integer> {

    @Option(names = "--repo", description = "The repository (default: found from the working directory).")
    Path repo;

    @Option(names = "--gateway-jar", description = "default: <repo>/examples/gateway/target/esplink-gateway.jar")
    Path gatewayJar;

    @Option(names = "--bench-jar", description = "default: <repo>/benchmarks/target/esplink-benchmarks.jar")
    Path benchJar;

    @Option(names = "--work", description = "Where data directories, logs and results go (default: a new temp dir).")
    Path work;

    @Option(names = "--only", split = ",", description = "Scenarios to run: ingest, echo, storm, stuck, board "
                                                         + "(default: all).")
    List<String> only = List.of("ingest", "echo", "storm", "stuck", "board");

    @Option(names = "--gateway-arg", description = "An extra gateway argument, e.g. "
                                                   + "--gateway-arg=--esplink.anonymous-nodes=true (repeatable).")
    List<String> gatewayArgs = new ArrayList<>();

    @Option(names = "--gateway-jvm-arg", description = "An extra JVM option of the gateway (repeatable).")
    List<String> gatewayJvmArgs = new ArrayList<>();

    @Option(names = "--credentials", paramLabel = "FILE",
            description = "clientId:secret lines for the load tool's nodes (the gateway's credentials go in "
                          + "--gateway-arg); needs as many lines as the largest scenario has nodes.")
    Path credentials;

    @Option(names = "--jfr", description = "Record JFR (settings=profile) in the gateway during the measuring windows "
                                           + "of ingest, echo and idle, and summarise where the time went "
                                           + "(<work>/<scenario>-jfr.txt).")
    boolean jfr;

    @Option(names = "--quick", description = "Small and short (a check that everything runs, not figures).")
    boolean quick;

    @Option(names = "--ingest-nodes", description = "default: ${DEFAULT-VALUE}")
    int ingestNodes = 1000;
    @Option(names = "--ingest-rate", description = "Offered messages/s of the latency run (default: ${DEFAULT-VALUE}).")
    double ingestRate = 5000;
    @Option(names = "--echo-nodes", description = "default: ${DEFAULT-VALUE}")
    int echoNodes = 100;
    @Option(names = "--echo-rounds", description = "Turns of the ceiling and the gateway, in alternation, for the echo "
                                                   + "ratio, each half of --duration (default: ${DEFAULT-VALUE}).")
    int echoRounds = 5;
    @Option(names = "--storm-nodes", description = "default: ${DEFAULT-VALUE}")
    int stormNodes = 15000;
    @Option(names = "--stuck-nodes", description = "default: ${DEFAULT-VALUE}")
    int stuckNodes = 1000;
    @Option(names = "--warmup", description = "default: 5s")
    Duration warmup = Duration.ofSeconds(5);
    @Option(names = "--duration", description = "Measuring window of ingest and echo runs (default: 20s).")
    Duration duration = Duration.ofSeconds(20);
    @Option(names = "--idle-duration", description = "default: 60s")
    Duration idleDuration = Duration.ofSeconds(60);
    @Option(names = "--stuck-duration", description = "default: 30s")
    Duration stuckDuration = Duration.ofSeconds(30);
    @Option(names = "--board-nodes", description = "Nodes of the board scenario's two runs (default: ${DEFAULT-VALUE}).")
    int boardNodes = 1000;
    @Option(names = "--board-rate", description = "Messages/s per node in the board scenario (default: "
                                                  + "${DEFAULT-VALUE}).")
    double boardRate = 1;
    @Option(names = "--board-warmup", description = "Before the board scenario's window (default: 10s).")
    Duration boardWarmup = Duration.ofSeconds(10);
    @Option(names = "--board-seconds", description = "The board scenario's measuring window, s (default: "
                                                     + "${DEFAULT-VALUE}).")
    int boardSeconds = 30;
    @Option(names = "--board-heap", description = "The board gateway's -Xmx (default: ${DEFAULT-VALUE}).")
    String boardHeap = "128m";
    @Option(names = "--flood-seconds", description = "How long the board scenario's 8 sockets flood (default: "
                                                     + "${DEFAULT-VALUE}).")
    int floodSeconds = 45;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the table and every run's results as JSON "
                                                                 + "(default: <work>/results.json).")
    Path json;

    PrintStream out = System.out;
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> runs = new LinkedHashMap<>();
    private final Map<String, Object> notes = new LinkedHashMap<>();

    /** One line of the table. */
    record Row(String figure, String measured, String target, Boolean pass) {
    }

    @Override
    public Integer call() throws Exception {
        if (repo == null) {
            repo = findRepo();
        }
        if (gatewayJar == null) {
            gatewayJar = repo.resolve("examples/gateway/target/esplink-gateway.jar");
        }
        if (benchJar == null) {
            benchJar = repo.resolve("benchmarks/target/esplink-benchmarks.jar");
        }
        if (work == null) {
            work = Files.createTempDirectory("esplink-bench-");
        }
        Files.createDirectories(work);
        if (quick) {
            ingestNodes = Math.min(ingestNodes, 50);
            ingestRate = Math.min(ingestRate, 250);
            echoNodes = Math.min(echoNodes, 10);
            stormNodes = Math.min(stormNodes, 200);
            stuckNodes = Math.min(stuckNodes, 20);
            warmup = Duration.ofSeconds(1);
            duration = Duration.ofSeconds(2);
            idleDuration = Duration.ofSeconds(3);
            stuckDuration = Duration.ofSeconds(4);
            boardNodes = Math.min(boardNodes, 50);
            boardWarmup = Duration.ofSeconds(1);
            boardSeconds = Math.min(boardSeconds, 3);
            floodSeconds = Math.min(floodSeconds, 6);
        }
        for (Path p : List.of(gatewayJar, benchJar)) {
            if (!Files.isRegularFile(p)) {
                throw new IOException(p + " is missing: build first (mvn -B -q install -DskipTests)");
            }
        }
        Map<String, Object> machine = machine();
        out.println("esplink benchmarks: " + machine);
        out.println("work directory: " + work);
        if (only.contains("ingest")) {
            ingest();
        }
        if (only.contains("echo")) {
            echo();
        }
        if (only.contains("storm")) {
            storm();
        }
        if (only.contains("stuck")) {
            stuck();
        }
        if (only.contains("board")) {
            board();
        }
        printTable(machine);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("machine", machine);
        all.put("table", rows);
        all.put("notes", notes);
        all.put("otherWorkPercentOfACore", otherLoad);
        all.put("runs", runs);
        Path jsonFile = json != null ? json : work.resolve("results.json");
        LoadResult.JSON.writeValue(jsonFile.toFile(), all);
        out.println("results: " + jsonFile);
        return 0;
    }

    // ---- scenarios ----

    private void ingest() throws Exception {
        try (ServerProcess gw = gateway("ingest", null, ingestNodes)) {
            LoadResult full = load("ingest-max", gw, LoadEngine.Mode.ingest, ingestNodes, 0, warmup, duration,
                    jfrHooks(gw, "ingest"));
            LoadResult offered = load("ingest-offered", gw, LoadEngine.Mode.ingest, ingestNodes,
                    ingestRate / ingestNodes, Duration.ofSeconds(Math.min(3, warmup.toSeconds())), duration, null);
            long acked = full.total.acked + offered.total.acked;
            long storedDb = storedMessages(gw, gwData("ingest"));
            long storedFiles = countLines(gwData("ingest").resolve("messages"));
            rows.add(new Row(String.format("gateway on defaults (database + files), %,d nodes: stored and ACKed/s",
                    ingestNodes), String.format("%,.0f/s (send->ACK p50 %.1f ms, p99 %.1f ms)", full.ackedPerSecond(),
                    LoadResult.ms(full.ackLatency, 50), LoadResult.ms(full.ackLatency, 99)), ">= 20,000/s",
                    full.ackedPerSecond() >= 20_000));
            rows.add(new Row("  stored count = ACK count (both runs, after the last ACK)",
                    String.format("database %,d, files %,d, ACKed %,d", storedDb, storedFiles, acked), "equal",
                    storedDb == acked && storedFiles == acked));
            rows.add(new Row(String.format("  ACK p99 at %,.0f msg/s offered", ingestRate),
                    String.format("%.1f ms (p50 %.1f, max %.0f; achieved %,.0f/s)", LoadResult.ms(offered.ackLatency, 99),
                            LoadResult.ms(offered.ackLatency, 50), offered.ackLatency.getMaxValue() / 1000.0,
                            offered.ackedPerSecond()), "<= 50 ms",
                    LoadResult.ms(offered.ackLatency, 99) <= 50 && offered.ackedPerSecond() >= 0.95 * ingestRate));
        }
    }

    private void echo() throws Exception {
        // The ratio: the ceiling and the gateway run side by side, both started first, and the load tool drives
        // them in turns (ceiling, gateway, ceiling, gateway, ...), so that each pair of turns sees the machine in
        // the same state; the figure is the median of the pairs' ratios. One turn each swung the ceiling alone
        // from 127,000 to 160,000/s between runs on this machine.
        List<Double> ratios = new ArrayList<>();
        List<String> pairs = new ArrayList<>();
        double sumGateway = 0;
        double sumCeiling = 0;
        double halfRate;
        LoadResult half;
        // the echo route never blocks: it runs on the I/O threads (component option routeOnEventLoop, README
        // "Threads"); the same route on the default delivery executor is measured after, for reference
        try (ServerProcess c = ceiling("ceiling-echo", true);
                ServerProcess gw = gateway("echo", "file:" + benchFile("echo.yaml"), echoNodes,
                        "--camel.component.esplink.route-on-event-loop=true")) {
            Duration turn = Duration.ofSeconds(Math.max(1, duration.toSeconds() / 2));
            for (int round = 1; round <= echoRounds; round++) {
                Duration warm = round == 1 ? warmup : Duration.ofSeconds(Math.min(3, warmup.toSeconds()));
                LoadResult ceiling = load("echo-ceiling-" + round, c, LoadEngine.Mode.echo, echoNodes, 0, warm, turn,
                        null);
                LoadResult g = load("echo-gateway-" + round, gw, LoadEngine.Mode.echo, echoNodes, 0, warm, turn,
                        round == 1 ? jfrHooks(gw, "echo") : null);
                double r = ceiling.echoedPerSecond() > 0 ? g.echoedPerSecond() / ceiling.echoedPerSecond() : 0;
                ratios.add(r);
                pairs.add(String.format("%.2f (%,.0f/%,.0f)", r, g.echoedPerSecond(), ceiling.echoedPerSecond()));
                sumGateway += g.echoedPerSecond();
                sumCeiling += ceiling.echoedPerSecond();
            }
            halfRate = sumGateway / echoRounds / 2;
            half = load("echo-gateway-half", gw, LoadEngine.Mode.echo, echoNodes, halfRate / echoNodes,
                    Duration.ofSeconds(Math.min(3, warmup.toSeconds())), duration, null);
        }
        List<Double> sorted = new ArrayList<>(ratios);
        java.util.Collections.sort(sorted);
        double ratio = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        double meanGateway = sumGateway / echoRounds;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rounds", echoRounds);
        m.put("ratios", ratios);
        m.put("gatewayMeanPerSecond", LoadResult.round(meanGateway));
        m.put("ceilingMeanPerSecond", LoadResult.round(sumCeiling / echoRounds));
        notes.put("echo", m);

        LoadResult ceilingHalf;
        try (ServerProcess c = ceiling("ceiling-echo-half", true)) {
            ceilingHalf = load("echo-ceiling-half", c, LoadEngine.Mode.echo, echoNodes, halfRate / echoNodes,
                    Duration.ofSeconds(Math.min(3, warmup.toSeconds())), duration, null);
        }
        LoadResult pooled;
        try (ServerProcess gw = gateway("echo-delivery", "file:" + benchFile("echo.yaml"), echoNodes)) {
            pooled = load("echo-gateway-delivery", gw, LoadEngine.Mode.echo, echoNodes, 0, warmup, duration, null);
        }
        rows.add(new Row(String.format("echo route, %d nodes: throughput vs ceiling server", echoNodes),
                String.format("%.2f (median of %d turns each: %s)", ratio, echoRounds, String.join(", ", pairs)),
                ">= 0.6", ratio >= 0.6));
        double pooledRatio = sumCeiling > 0 ? pooled.echoedPerSecond() / (sumCeiling / echoRounds) : 0;
        rows.add(new Row("  the same route on esplink-delivery (the default; reference)",
                String.format("%.2f (%,.0f/s; p99 %.2f ms)", pooledRatio, pooled.echoedPerSecond(),
                        LoadResult.ms(pooled.echoLatency, 99)), "-", null));
        double p99 = LoadResult.ms(half.echoLatency, 99);
        rows.add(new Row(String.format("  echo p99 at half the saturating rate (%,.0f/s)", halfRate),
                String.format("%.2f ms (p50 %.2f; ceiling at that rate: p99 %.2f ms)", p99,
                        LoadResult.ms(half.echoLatency, 50), LoadResult.ms(ceilingHalf.echoLatency, 99)),
                "<= 5 ms", p99 <= 5));
    }

    private void storm() throws Exception {
        IdleFigures ceiling;
        try (ServerProcess c = ceiling("ceiling-idle", false)) {
            ceiling = idle("storm-ceiling", c, null);
        }
        IdleFigures gw;
        try (ServerProcess g = gateway("storm", null, stormNodes)) {
            gw = idle("storm-gateway", g, jfrHooks(g, "idle"));
        }
        LoadResult r = gw.result;
        long hsTimeouts = r.total.handshakeTimeouts;
        rows.add(new Row(String.format("%,d nodes connecting at once: all up", stormNodes),
                String.format("%s; %d handshake timeouts, %d refused, %d connect failures, %d outages while "
                              + "connecting; TCP connected p50 %.0f ms, ID line to first line p50 %.0f ms (ceiling: %s)",
                        r.allUpMs >= 0 ? String.format("%.2f s", r.allUpMs / 1000) : r.everUp + " up after the timeout",
                        hsTimeouts, r.total.refused, r.total.connectFailures,
                        r.total.outages() - r.window.outages(), LoadResult.ms(r.firstConnected, 50),
                        LoadResult.ms(r.firstLine, 50),
                        ceiling.result.allUpMs >= 0 ? String.format("%.2f s", ceiling.result.allUpMs / 1000) : "not all up"),
                "<= 3 s, no handshake timeout", r.allUpMs >= 0 && r.allUpMs <= 3000 && hsTimeouts == 0));
        rows.add(new Row(String.format("%,d idle nodes, %d s: CPU vs ceiling server", stormNodes,
                idleDuration.toSeconds()), String.format("%.0f%% vs %.0f%% of a core", gw.cpuPercent, ceiling.cpuPercent),
                "no more than ceiling", gw.cpuPercent <= ceiling.cpuPercent));
        rows.add(new Row("  outages while idle", String.format("%d (ceiling %d)", r.window.outages(),
                ceiling.result.window.outages()), "0", r.window.outages() == 0 && r.upAtEnd == stormNodes));
        double perNode = (gw.heapAfter - gw.heapBefore) / (double) stormNodes;
        rows.add(new Row("  heap per idle node (after full GC, minus before)",
                String.format("%,.0f B (%,.0f MB -> %,.0f MB; ceiling %,.0f B)", perNode, gw.heapBefore / 1e6,
                        gw.heapAfter / 1e6, (ceiling.heapAfter - ceiling.heapBefore) / (double) stormNodes),
                "<= 16 KB", perNode <= 16 * 1024));
    }

    private record IdleFigures(LoadResult result, double cpuPercent, long heapBefore, long heapAfter) {
    }

    private IdleFigures idle(String name, ServerProcess server, LoadTool.Hooks also) throws Exception {
        LoadTool.Hooks extra = also != null ? also : new LoadTool.Hooks() {
        };
        long heapBefore = server.heapAfterGc();
        long[] cpu = new long[2];
        long[] wall = new long[2];
        long[] heapAfter = new long[1];
        // 10 s after all are up before measuring: what the connections set off (connection events stored) is done
        Duration settle = quick ? Duration.ofSeconds(1) : Duration.ofSeconds(10);
        LoadResult r = load(name, server, LoadEngine.Mode.idle, stormNodes, 0, settle, idleDuration,
                new LoadTool.Hooks() {
                    @Override
                    public void measureStart() {
                        cpu[0] = server.cpuNanos();
                        wall[0] = System.nanoTime();
                        extra.measureStart();
                    }

                    @Override
                    public void measureEnd() {
                        cpu[1] = server.cpuNanos();
                        wall[1] = System.nanoTime();
                        extra.measureEnd();
                        try {
                            heapAfter[0] = server.heapAfterGc();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
        double pct = 100.0 * (cpu[1] - cpu[0]) / (wall[1] - wall[0]);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpuPercentOfACore", LoadResult.round(pct));
        m.put("heapBeforeBytes", heapBefore);
        m.put("heapAfterBytes", heapAfter[0]);
        notes.put(name, m);
        return new IdleFigures(r, pct, heapBefore, heapAfter[0]);
    }

    private void stuck() throws Exception {
        try (ServerProcess gw = gateway("stuck", "file:" + benchFile("stuck.yaml"), stuckNodes)) {
            List<Long> heap = new ArrayList<>();
            List<Long> at = new ArrayList<>();
            Thread[] sampler = new Thread[1];
            long[] t0 = new long[1];
            LoadTool.Hooks hooks = new LoadTool.Hooks() {
                @Override
                public void measureStart() {
                    t0[0] = System.nanoTime();
                    sampler[0] = new Thread(() -> {
                        long every = Math.max(1, stuckDuration.toMillis() / 4);
                        try {
                            while (!Thread.currentThread().isInterrupted()) {
                                Thread.sleep(every);
                                long h = gw.heapAfterGc();
                                synchronized (heap) {
                                    heap.add(h);
                                    at.add((System.nanoTime() - t0[0]) / 1_000_000_000L);
                                }
                            }
                        } catch (InterruptedException e) {
                            // done
                        } catch (Exception e) {
                            out.println("heap sampling failed: " + e);
                        }
                    }, "heap-sampler");
                    sampler[0].start();
                }

                @Override
                public void measureEnd() {
                    sampler[0].interrupt();
                    try {
                        sampler[0].join(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            LoadTool t = tool(LoadEngine.Mode.ingest, gw.port, stuckNodes, 20, Duration.ofSeconds(2), stuckDuration);
            t.maxUnacked = 100; // wait off, below the 128 IDs the window (L10) can tell apart
            t.drain = Duration.ZERO;
            LoadResult r = run("stuck", gw, t, hooks);
            List<Long> h;
            synchronized (heap) {
                h = new ArrayList<>(heap);
            }
            boolean bounded = h.size() >= 2;
            long firstMax = h.isEmpty() ? 0 : h.get(0);
            for (int i = 1; i < h.size(); i++) {
                // bounded: no sample above the first one by more than 10% + 16 MB
                bounded &= h.get(i) <= firstMax * 1.1 + 16e6;
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < h.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(String.format("%ds %,.0f MB", at.get(i), h.get(i) / 1e6));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("heapAfterGcBytes", h);
            m.put("atSeconds", at);
            notes.put("stuck", m);
            rows.add(new Row(String.format("route stuck, %,d nodes keep sending (wait off, 100 unACKed each): heap",
                    stuckNodes), String.format("%s; sent %,d, resent %,d, ACKed %,d, outages %d", sb, r.total.sent,
                            r.total.retransmissions, r.total.acked, r.total.outages()),
                    "bounded", bounded));
        }
    }

    // ---- board: the gateway on a small machine's budget ----

    /** Where the board gateway and the runner run: the gateway alone on one CPU, the runner on the others. */
    private record Pinning(List<String> gatewayPrefix, String gatewayCpus, String runnerCpus, String note) {
    }

    /** One board run: 1,000 nodes at 1 msg/s on a pinned gateway with a small heap. */
    private record BoardRun(LoadResult load, double startMs, long rssIdle, long rssPeak, double cpuPercent,
                            String cpus) {

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("startToHealthMs", LoadResult.round(startMs));
            m.put("gatewayCpusAllowed", cpus);
            m.put("rssIdleBytes", rssIdle);
            m.put("rssPeakBytes", rssPeak);
            m.put("cpuPercentOfACore", LoadResult.round(cpuPercent));
            m.put("ackP50Ms", LoadResult.ms(load.ackLatency, 50));
            m.put("ackP99Ms", LoadResult.ms(load.ackLatency, 99));
            m.put("ackedPerSecond", LoadResult.round(load.ackedPerSecond()));
            return m;
        }
    }

    private void board() throws Exception {
        Pinning pin = pinning();
        out.println("[scenarios] board: " + pin.note());
        String restore = null;
        String runnerNote;
        if (pin.runnerCpus() != null) {
            restore = pinRunner(pin.runnerCpus());
            runnerNote = restore != null ? "runner (load tool, flood) on CPU " + pin.runnerCpus()
                    : "runner not pinned (taskset on it failed)";
        } else {
            runnerNote = "runner not pinned";
        }
        out.println("[scenarios] board: " + runnerNote);
        Map<String, Object> notesBoard = new LinkedHashMap<>();
        notesBoard.put("pinning", pin.note());
        notesBoard.put("runner", runnerNote);
        notesBoard.put("heap", boardHeap);
        notes.put("board", notesBoard);
        try {
            BoardRun defaults = boardRun("board-defaults", null, pin);
            BoardRun bare = boardRun("board-no-storage", "", pin);
            notesBoard.put("defaults", defaults.toMap());
            notesBoard.put("noStorage", bare.toMap());
            String where = pin.gatewayCpus() != null ? "pinned to CPU " + pin.gatewayCpus() : "not pinned";
            double ratio = bare.cpuPercent() > 0 ? defaults.cpuPercent() / bare.cpuPercent() : Double.NaN;
            notesBoard.put("cpuRatio", LoadResult.round(ratio));
            double offered = boardNodes * boardRate;
            rows.add(new Row(String.format("board (-Xmx%s, %s), %,d nodes x %s msg/s: CPU defaults / no storage routes",
                    boardHeap, where, boardNodes, trim(boardRate)),
                    String.format("%.2fx (%.1f%% vs %.1f%% of a core, %d s window)", ratio, defaults.cpuPercent(),
                            bare.cpuPercent(), boardSeconds), "<= 1.5x", ratio <= 1.5));
            double p99 = LoadResult.ms(defaults.load().ackLatency, 99);
            rows.add(new Row("  ACK p99, defaults",
                    String.format("%.1f ms (p50 %.1f; achieved %,.0f/s of %,.0f; no storage: p99 %.1f, p50 %.1f)", p99,
                            LoadResult.ms(defaults.load().ackLatency, 50), defaults.load().ackedPerSecond(), offered,
                            LoadResult.ms(bare.load().ackLatency, 99), LoadResult.ms(bare.load().ackLatency, 50)),
                    "<= 50 ms", p99 <= 50 && defaults.load().ackedPerSecond() >= 0.95 * offered));
            rows.add(new Row(String.format("  RSS, defaults, %,d nodes (peak of samples in the window)", boardNodes),
                    String.format("%s (idle before connecting %s; no storage: peak %s, idle %s)", mb(defaults.rssPeak()),
                            mb(defaults.rssIdle()), mb(bare.rssPeak()), mb(bare.rssIdle())), "<= 200 MB",
                    defaults.rssPeak() > 0 && defaults.rssPeak() <= 200e6));
            rows.add(new Row(String.format("  start to /health (spawn to first 200, -Xmx%s, %s)", boardHeap, where),
                    String.format("%.2f s (no storage: %.2f s)", defaults.startMs() / 1000, bare.startMs() / 1000),
                    "<= 3 s", defaults.startMs() <= 3000));
            flood(pin, notesBoard);
        } finally {
            if (restore != null) {
                pinRunner(restore);
            }
        }
    }

    private BoardRun boardRun(String name, String routes, Pinning pin) throws Exception {
        deleteTree(gwData(name));
        try (ServerProcess gw = gateway(name, routes, boardNodes, boardLaunch(pin))) {
            long rssIdle = gw.rssBytes();
            String cpus = gw.cpusAllowed();
            out.printf("[scenarios] %s: /health answered 200 %.2f s after the spawn; CPUs allowed %s; RSS before the "
                       + "nodes %s%n", name, gw.readyAfterMs / 1000, cpus, mb(rssIdle));
            long[] cpu = new long[4];
            try (RssSampler rss = new RssSampler(gw, 250)) {
                LoadResult r = load(name, gw, LoadEngine.Mode.ingest, boardNodes, boardRate, boardWarmup,
                        Duration.ofSeconds(boardSeconds), new LoadTool.Hooks() {
                            @Override
                            public void measureStart() {
                                rss.mark();
                                cpu[0] = gw.cpuNanos();
                                cpu[1] = System.nanoTime();
                            }

                            @Override
                            public void measureEnd() {
                                cpu[2] = gw.cpuNanos();
                                cpu[3] = System.nanoTime();
                                rss.sampleNow();
                                rss.mark(); // what comes after the window (the drain, closing) is not counted
                            }
                        });
                double pct = 100.0 * (cpu[2] - cpu[0]) / (cpu[3] - cpu[1]);
                long peak = rss.peakBeforeMark();
                out.printf("[scenarios] %s: CPU %.1f%% of a core in the window; RSS peak %s (%d samples)%n", name,
                        pct, mb(peak), rss.samples());
                return new BoardRun(r, gw.readyAfterMs, rssIdle, peak, pct, cpus);
            }
        }
    }

    /** The board gateway: pinned as {@link #pinning} says, {@code -Xmx} of the scenario, /health asked every 25 ms. */
    private Launch boardLaunch(Pinning pin) {
        return new Launch(pin.gatewayPrefix(), List.of("-Xmx" + boardHeap), 25);
    }

    /** The 8-socket flood at the board's heap: alive, no OutOfMemoryError, /health, a node with credentials. */
    private void flood(Pinning pin, Map<String, Object> notesBoard) throws Exception {
        String name = "board-flood";
        Path data = gwData(name);
        deleteTree(data);
        Files.createDirectories(data);
        String bystanderLine = addCredentials(data.resolve("node-credentials"), "bench-bystander");
        int threads = 8;
        InetAddress bystanderSource = InetAddress.getByName("127.0.0.2");
        long recoverMs = 15_000;
        Duration bystanderWithin = Duration.ofSeconds(10);
        Map<String, Object> m = new LinkedHashMap<>();
        notesBoard.put("flood", m);
        Flood.Result fr;
        Flood.Bystander during;
        Flood.Bystander after = null;
        HealthPoller health;
        double healthUpAfterMs = -1;
        double recoveredAfterMs = -1;
        boolean alive;
        String exit = "";
        long rssIdle;
        long rssPeak;
        Path log;
        try (ServerProcess gw = gateway(name, null, threads + 1, boardLaunch(pin), "--esplink.anonymous-nodes=true")) {
            log = gw.log;
            String url = "http://127.0.0.1:" + httpPorts.get(gw) + "/health";
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", gw.port);
            rssIdle = gw.rssBytes();
            out.printf("[scenarios] %s: /health answered 200 %.2f s after the spawn; CPUs allowed %s; RSS %s; %d "
                       + "sockets flood for %d s%n", name, gw.readyAfterMs / 1000, gw.cpusAllowed(), mb(rssIdle),
                    threads, floodSeconds);
            Flood.Settings fs = new Flood.Settings();
            fs.target = target;
            fs.threads = threads;
            fs.duration = Duration.ofSeconds(floodSeconds);
            Flood flood = new Flood(fs);
            try (RssSampler rss = new RssSampler(gw, 250)) {
                health = new HealthPoller(url, 1000, Duration.ofSeconds(2));
                try {
                    flood.start();
                    long halfway = System.nanoTime() + fs.duration.toNanos() / 2;
                    while (System.nanoTime() < halfway) {
                        Thread.sleep(Math.max(1, Math.min(200, (halfway - System.nanoTime()) / 1_000_000)));
                    }
                    // on a thread of its own, so that the flood ends at its deadline whatever the bystander waits for
                    java.util.concurrent.CompletableFuture<Flood.Bystander> halfwayBystander =
                            java.util.concurrent.CompletableFuture.supplyAsync(() -> Flood.bystander(target,
                                    bystanderSource, bystanderLine, 3, 2000, bystanderWithin));
                    fr = flood.join();
                    health.close();
                    try {
                        during = halfwayBystander.get(bystanderWithin.toMillis() + 5000,
                                java.util.concurrent.TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        during = new Flood.Bystander(3, 0, bystanderWithin.toMillis() + 5000.0, "did not end");
                    }
                    out.printf("[scenarios] %s: bystander halfway: %s%n", name, during);
                } finally {
                    flood.stop();
                    health.close();
                }
                out.printf("[scenarios] %s: flood over: %s; /health during: %s%n", name, fr.toMap(), health);
                // recovery: /health UP, then the bystander ACKed, within 15 s of the flood's end
                long t0 = System.nanoTime();
                long end = t0 + recoverMs * 1_000_000L;
                while (System.nanoTime() < end && gw.process.isAlive()) {
                    if (HealthPoller.status(url, Duration.ofSeconds(2)) == 200) {
                        healthUpAfterMs = (System.nanoTime() - t0) / 1e6;
                        break;
                    }
                    Thread.sleep(250);
                }
                while (healthUpAfterMs >= 0 && System.nanoTime() < end && gw.process.isAlive()) {
                    long left = Math.max(1, (end - System.nanoTime()) / 1_000_000);
                    after = Flood.bystander(target, bystanderSource, bystanderLine, 3, 2000,
                            Duration.ofMillis(Math.min(bystanderWithin.toMillis(), left)));
                    out.printf("[scenarios] %s: bystander after the flood: %s%n", name, after);
                    if (after.ok()) {
                        recoveredAfterMs = (System.nanoTime() - t0) / 1e6;
                        break;
                    }
                    Thread.sleep(250);
                }
                rssPeak = rss.peak();
            }
            alive = gw.process.isAlive();
            if (!alive) {
                exit = " (exited with " + gw.process.exitValue() + ")";
            }
        }
        long oom = countLines(log, "OutOfMemoryError");
        m.put("seconds", floodSeconds);
        m.put("threads", threads);
        m.put("flood", fr.toMap());
        m.put("alive", alive);
        m.put("outOfMemoryErrorLines", oom);
        m.put("health", health.toMap());
        m.put("healthUpAfterFloodMs", LoadResult.round(healthUpAfterMs));
        m.put("bystanderDuring", during.toMap());
        m.put("bystanderAfter", after == null ? null : after.toMap());
        m.put("recoveredAfterMs", LoadResult.round(recoveredAfterMs));
        m.put("rssIdleBytes", rssIdle);
        m.put("rssPeakBytes", rssPeak);
        m.put("log", log.toString());
        rows.add(new Row(String.format("flood at -Xmx%s: %d sockets x %d s of 16 KB lines, never reading: gateway",
                boardHeap, threads, floodSeconds),
                String.format("%s%s, %d OutOfMemoryError lines; %,d connections, %,d lines written (%,.0f MB), %,d "
                              + "errors, %,d stalled; RSS peak %s", alive ? "alive" : "dead", exit, oom,
                        fr.connections(), fr.linesWritten(), fr.bytesWritten() / 1e6, fr.errors(), fr.stalls(),
                        mb(rssPeak)), "alive, 0 OOM", alive && oom == 0));
        rows.add(new Row("  /health during the flood (every 1 s, 2 s timeout) and after",
                String.format("%s; after: %s", health, healthUpAfterMs >= 0
                        ? String.format("200 %.1f s after the flood", healthUpAfterMs / 1000) : "no 200 within 15 s"),
                "answers during and after", health.allAnswered() && healthUpAfterMs >= 0));
        rows.add(new Row("  bystander with credentials (from 127.0.0.2, 3 messages, 10 s)",
                String.format("halfway: %s; after: %s", during, after == null ? "not tried (/health not UP)" : after),
                "3 ACKs each", during.ok() && after != null && after.ok()));
        rows.add(new Row("  recovers (within 15 s of the flood's end: /health UP, bystander ACKed)",
                recoveredAfterMs >= 0 ? String.format("yes, %.1f s", recoveredAfterMs / 1000) : "no", "yes",
                recoveredAfterMs >= 0));
    }

    /** {@code java -jar esplink-gateway.jar credentials add --file FILE ID}: the ID line {@code id:secret}. */
    private String addCredentials(Path file, String clientId) throws Exception {
        Path log = work.resolve("credentials-" + clientId + ".log");
        Process p = new ProcessBuilder(ServerProcess.java(), "-jar", gatewayJar.toString(), "credentials", "add",
                "--file", file.toString(), clientId).directory(repo.toFile()).redirectError(log.toFile()).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("credentials add did not end within 60 s; see " + log);
        }
        for (String l : stdout.split("\n")) {
            if (l.startsWith(clientId + ":")) {
                return l.strip();
            }
        }
        throw new IOException("credentials add printed no line for " + clientId + " (exit " + p.exitValue() + "): "
                              + stdout + "; see " + log);
    }

    /** Gateway on the first CPU the runner may use, the runner on the rest; unpinned without taskset or 2 CPUs. */
    private static Pinning pinning() {
        String taskset = onPath("taskset");
        List<Integer> cpus = cpuList(ownCpusAllowed());
        if (taskset == null || cpus.size() < 2) {
            return new Pinning(List.of(), null, null, "gateway not pinned: " + (taskset == null ? "no taskset"
                    : "fewer than 2 CPUs (" + cpus.size() + ")"));
        }
        String gw = cpus.get(0).toString();
        StringBuilder rest = new StringBuilder();
        for (int c : cpus.subList(1, cpus.size())) {
            rest.append(rest.length() == 0 ? "" : ",").append(c);
        }
        return new Pinning(List.of(taskset, "-c", gw), gw, rest.toString(),
                "gateway pinned to CPU " + gw + " (taskset -c " + gw + ")");
    }

    /** Pins every thread of this process to {@code cpus} (taskset -a -p); the CPUs it had before, or null. */
    private String pinRunner(String cpus) {
        String before = ownCpusAllowed();
        String taskset = onPath("taskset");
        if (taskset == null || before == null) {
            return null;
        }
        try {
            Process p = new ProcessBuilder(taskset, "-a", "-c", "-p", cpus, Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).start();
            String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                out.println("[scenarios] taskset -a -c -p " + cpus + " failed: " + o.strip());
                return null;
            }
            return before;
        } catch (IOException | InterruptedException e) {
            out.println("[scenarios] taskset on the runner failed: " + e);
            return null;
        }
    }

    private static String ownCpusAllowed() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Cpus_allowed_list:")) {
                    return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return null;
    }

    /** "0-3,6" to [0, 1, 2, 3, 6]. */
    static List<Integer> cpuList(String spec) {
        List<Integer> l = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return l;
        }
        for (String part : spec.split(",")) {
            String[] r = part.strip().split("-");
            int a = Integer.parseInt(r[0]);
            int b = r.length > 1 ? Integer.parseInt(r[1]) : a;
            for (int c = a; c <= b; c++) {
                l.add(c);
            }
        }
        return l;
    }

    private static String onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "?" : String.format("%,.0f MB", bytes / 1e6);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Lines of a process's output that contain {@code text}. */
    private static long countLines(Path log, String text) throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        long n = 0;
        // ISO-8859-1: every byte is a character, so output cut inside a UTF-8 sequence cannot fail the read
        try (java.io.BufferedReader r = Files.newBufferedReader(log, StandardCharsets.ISO_8859_1)) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (l.contains(text)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Removes a data directory of an earlier run in the same work directory (a run's data starts empty). */
    private void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir) || !dir.toAbsolutePath().normalize().startsWith(work.toAbsolutePath().normalize())) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** VmRSS of a process, sampled on a thread of its own: the peak, and the peak before the last {@link #mark}. */
    private static final class RssSampler implements AutoCloseable {
        private final ServerProcess process;
        private final Thread thread;
        private volatile boolean running = true;
        private long peak = -1;
        private long current = -1;
        private long beforeMark = -1;
        private int samples;

        RssSampler(ServerProcess process, long everyMs) {
            this.process = process;
            this.thread = new Thread(() -> {
                while (running && process.process.isAlive()) {
                    sampleNow();
                    try {
                        Thread.sleep(everyMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rss-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void sampleNow() {
            long v = process.rssBytes();
            if (v < 0) {
                return;
            }
            synchronized (this) {
                samples++;
                peak = Math.max(peak, v);
                current = Math.max(current, v);
            }
        }

        /** Starts a new span: {@link #peakBeforeMark} is then the peak between the last two marks. */
        synchronized void mark() {
            beforeMark = current;
            current = -1;
        }

        synchronized long peakBeforeMark() {
            return beforeMark;
        }

        synchronized long peak() {
            return peak;
        }

        synchronized int samples() {
            return samples;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(2000);
        }
    }

    /** GET /health every second on a thread of its own while the flood runs: answers (200 or other), no answer. */
    private static final class HealthPoller implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;
        private int polls;
        private int ok;
        private int other;
        private int none;
        private double maxMs;

        HealthPoller(String url, long everyMs, Duration timeout) {
            thread = new Thread(() -> {
                long next = System.nanoTime();
                while (running) {
                    long t = System.nanoTime();
                    int s = status(url, timeout);
                    double ms = (System.nanoTime() - t) / 1e6;
                    if (!running) {
                        return; // stopped while asking: that answer is not the gateway's
                    }
                    synchronized (this) {
                        polls++;
                        if (s == 200) {
                            ok++;
                        } else if (s > 0) {
                            other++;
                        } else {
                            none++;
                        }
                        maxMs = Math.max(maxMs, ms);
                    }
                    next += everyMs * 1_000_000L;
                    long wait = (next - System.nanoTime()) / 1_000_000;
                    if (wait > 0) {
                        try {
                            Thread.sleep(wait);
                        } catch (InterruptedException e) {
                            return;
                        }
                    } else {
                        next = System.nanoTime();
                    }
                }
            }, "health-poller");
            thread.setDaemon(true);
            thread.start();
        }

        /** The status of GET url, or -1 when it did not answer within the timeout. */
        static int status(String url, Duration timeout) {
            try {
                return ServerProcess.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        synchronized boolean allAnswered() {
            return polls > 0 && none == 0;
        }

        synchronized Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("polls", polls);
            m.put("ok200", ok);
            m.put("otherStatus", other);
            m.put("noAnswer", none);
            m.put("slowestMs", LoadResult.round(maxMs));
            return m;
        }

        @Override
        public synchronized String toString() {
            return String.format("%d polls: %d x 200, %d other status, %d no answer (slowest %.0f ms)", polls, ok, other,
                    none, maxMs);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(5000);
        }
    }

    // ---- processes ----

    /**
     * How a gateway is started: a command it runs under ({@code taskset -c 0}), JVM options after the runner's
     * {@code --gateway-jvm-arg}s (so that the scenario's own win), and how often {@code /health} is asked while it
     * starts.
     */
    private record Launch(List<String> prefix, List<String> jvmArgs, long healthEveryMs) {
        static final Launch PLAIN = new Launch(List.of(), List.of(), 200);
    }

    private ServerProcess gateway(String name, String routes, int nodes, String... scenarioArgs) throws Exception {
        return gateway(name, routes, nodes, Launch.PLAIN, scenarioArgs);
    }

    private ServerProcess gateway(String name, String routes, int nodes, Launch launch, String... scenarioArgs)
            throws Exception {
        // a port that was free when picked may be taken before the gateway binds it (a load tool's connection of
        // the run before, on one of its many source addresses): then again on other ports, a few times
        for (int attempt = 1; ; attempt++) {
            try {
                return startGateway(name, routes, nodes, launch, scenarioArgs);
            } catch (IOException e) {
                Path log = work.resolve("gateway-" + name + ".log");
                if (attempt >= 3 || !Files.exists(log) || !Files.readString(log).contains("Address already in use")) {
                    throw e;
                }
                out.println("[scenarios] gateway " + name + ": its port was taken before it listened; again on "
                            + "others");
            }
        }
    }

    private ServerProcess startGateway(String name, String routes, int nodes, Launch launch, String... scenarioArgs)
            throws Exception {
        int port = freePort();
        int http = freePort();
        Path data = gwData(name);
        Files.createDirectories(data);
        List<String> cmd = new ArrayList<>(launch.prefix());
        cmd.add(ServerProcess.java());
        cmd.addAll(gatewayJvmArgs);
        cmd.addAll(launch.jvmArgs());
        cmd.add("-jar");
        cmd.add(gatewayJar.toString());
        cmd.add("--esplink.host=127.0.0.1");
        cmd.add("--esplink.port=" + port);
        cmd.add("--esplink.http.host=127.0.0.1");
        cmd.add("--esplink.http.port=" + http);
        cmd.add("--esplink.data.dir=" + data);
        // the only settings that are not the defaults: room for the scenario's nodes, which are unknown to the
        // gateway unless --credentials is given: the defaults keep a tenth of max-connections for known nodes
        cmd.add("--camel.component.esplink.max-connections=" + Math.max(1000, (nodes + 1000) * 10 / 9 + 1));
        cmd.add("--camel.component.esplink.max-sessions=" + Math.max(10_000, nodes + 1000));
        if (routes != null) {
            cmd.add("--esplink.routes=" + routes);
        }
        cmd.addAll(List.of(scenarioArgs));
        cmd.addAll(gatewayArgs);
        out.println("[scenarios] gateway " + name + ": " + String.join(" ", cmd));
        ServerProcess p = ServerProcess.start("gateway " + name, cmd, repo, work.resolve("gateway-" + name + ".log"),
                port);
        try {
            p.awaitHttp("http://127.0.0.1:" + http + "/health", Duration.ofSeconds(120), launch.healthEveryMs());
            p.awaitPort(Duration.ofSeconds(10));
        } catch (Exception | Error e) {
            p.close(); // a gateway that did not come up is not left running
            throw e;
        }
        httpPorts.put(p, http);
        return p;
    }

    private final Map<ServerProcess, Integer> httpPorts = new LinkedHashMap<>();

    private Path gwData(String name) {
        return work.resolve("data-" + name);
    }

    private ServerProcess ceiling(String name, boolean echo) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(ServerProcess.java(), "-cp", benchJar.toString(),
                "io.esplink.bench.Main", "ceiling", "--port=" + port));
        if (echo) {
            cmd.add("--echo");
        }
        ServerProcess p = ServerProcess.start(name, cmd, repo, work.resolve(name + ".log"), port);
        p.awaitPort(Duration.ofSeconds(30));
        return p;
    }

    /** The sum of {@code storedMessages} over every page of {@code GET /nodes}, with the gateway's API token. */
    private long storedMessages(ServerProcess gw, Path data) throws Exception {
        String token = Files.readString(data.resolve("api-token")).trim();
        long sum = 0;
        String after = "";
        while (true) {
            HttpResponse<String> r = ServerProcess.HTTP.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + httpPorts.get(gw) + "/nodes?limit=5000&after="
                    + java.net.URLEncoder.encode(after, java.nio.charset.StandardCharsets.UTF_8)))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET /nodes answered " + r.statusCode() + ": " + r.body());
            }
            JsonNode root = LoadResult.JSON.readTree(r.body());
            JsonNode list = root.isArray() ? root : root.path("nodes");
            for (JsonNode n : list) {
                sum += n.path("storedMessages").asLong(0);
                after = n.path("clientId").asText();
            }
            if (r.headers().firstValue("Link").isEmpty() || list.isEmpty()) {
                return sum;
            }
        }
    }

    private static long countLines(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long n = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                byte[] b = Files.readAllBytes(f);
                for (byte x : b) {
                    if (x == '\n') {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    // ---- load runs ----

    private LoadTool tool(LoadEngine.Mode mode, int port, int nodes, double ratePerNode, Duration warm, Duration window) {
        LoadTool t = new LoadTool();
        t.mode = mode;
        t.port = port;
        t.nodes = nodes;
        t.rate = ratePerNode;
        t.warmup = warm;
        t.duration = window;
        t.credentials = credentials;
        t.progress = Duration.ofSeconds(10);
        return t;
    }

    private LoadResult load(String name, ServerProcess server, LoadEngine.Mode mode, int nodes, double ratePerNode,
                            Duration warm, Duration window, LoadTool.Hooks hooks) throws Exception {
        return run(name, server, tool(mode, server.port, nodes, ratePerNode, warm, window), hooks);
    }

    /**
     * Runs the load tool, and measures the CPU of the machine, of the server and of this process (the load tool) in
     * the measuring window: what is left is other work on the machine, which the figures do not account for.
     */
    private LoadResult run(String name, ServerProcess server, LoadTool t, LoadTool.Hooks hooks) throws Exception {
        out.printf("[scenarios] %s: %s, %d nodes, rate/node %s%n", name, t.mode, t.nodes,
                t.rate > 0 ? String.format(Locale.ROOT, "%.2f/s", t.rate) : "max");
        t.out = out;
        LoadTool.Hooks inner = hooks != null ? hooks : new LoadTool.Hooks() {
        };
        long[] start = new long[4];
        long[] end = new long[4];
        LoadResult r = t.run(new LoadTool.Hooks() {
            @Override
            public void measureStart() {
                sample(start, server);
                inner.measureStart();
            }

            @Override
            public void measureEnd() {
                sample(end, server);
                inner.measureEnd();
            }
        });
        double wall = end[0] - start[0];
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("machinePercentOfACore", LoadResult.round(100.0 * (end[1] - start[1]) / wall));
        cpu.put("serverPercentOfACore", LoadResult.round(100.0 * (end[2] - start[2]) / wall));
        cpu.put("loadToolPercentOfACore", LoadResult.round(100.0 * (end[3] - start[3]) / wall));
        double other = 100.0 * ((end[1] - start[1]) - (end[2] - start[2]) - (end[3] - start[3])) / wall;
        cpu.put("otherPercentOfACore", LoadResult.round(Math.max(0, other)));
        r.print(out);
        out.printf("CPU in the window, %% of a core: machine %s, server %s, load tool %s, other work %s%n",
                cpu.get("machinePercentOfACore"), cpu.get("serverPercentOfACore"), cpu.get("loadToolPercentOfACore"),
                cpu.get("otherPercentOfACore"));
        otherLoad.put(name, Math.max(0, other));
        Map<String, Object> m = r.toMap();
        m.put("cpu", cpu);
        LoadResult.JSON.writeValue(work.resolve(name + ".json").toFile(), m);
        runs.put(name, m);
        return r;
    }

    private final Map<String, Double> otherLoad = new LinkedHashMap<>();

    /** wall ns, machine busy ns, server CPU ns, this process's CPU ns. */
    private static void sample(long[] into, ServerProcess server) {
        into[0] = System.nanoTime();
        into[1] = machineBusyNanos();
        into[2] = server.cpuNanos();
        into[3] = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** Busy time of all CPUs from /proc/stat (user, nice, system, irq, softirq, steal), in ns; 0 elsewhere. */
    static long machineBusyNanos() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long ticks = 0;
            for (int i : new int[] { 1, 2, 3, 6, 7, 8 }) {
                ticks += Long.parseLong(f[i]);
            }
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (Exception e) {
            return 0;
        }
    }

    /** JFR in the gateway during the measuring window, summarised after (--jfr). */
    private LoadTool.Hooks jfrHooks(ServerProcess gw, String name) {
        if (!jfr) {
            return null;
        }
        Path file = work.resolve(name + ".jfr");
        return new LoadTool.Hooks() {
            @Override
            public void measureStart() {
                try {
                    gw.jcmd("JFR.start", "name=bench", "settings=profile");
                } catch (Exception e) {
                    out.println("JFR.start failed: " + e);
                }
            }

            @Override
            public void measureEnd() {
                try {
                    gw.jcmd("JFR.stop", "name=bench", "filename=" + file);
                    JfrTop top = new JfrTop();
                    top.files = List.of(file);
                    Path txt = work.resolve(name + "-jfr.txt");
                    try (PrintStream ps = new PrintStream(Files.newOutputStream(txt), true, StandardCharsets.UTF_8)) {
                        top.out = ps;
                        top.call();
                    }
                    out.println("[scenarios] JFR of " + name + ": " + file + ", summary " + txt);
                } catch (Exception e) {
                    out.println("JFR.stop failed: " + e);
                }
            }
        };
    }

    // ---- facts and the table ----

    private Map<String, Object> machine() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", Instant.now().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("memoryGB", memoryGb());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("commit", git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain").isEmpty() ? "" : " (dirty)"));
        return m;
    }

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "?";
    }

    private static long memoryGb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0);
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return -1;
    }

    private String git(String... args) {
        try {
            List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? s : "?";
        } catch (Exception e) {
            return "?";
        }
    }

    private Path benchFile(String name) {
        return repo.resolve("benchmarks").resolve(name).toAbsolutePath();
    }

    private static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isDirectory(q.resolve("benchmarks")) && Files.isRegularFile(q.resolve("pom.xml"))) {
                return q;
            }
        }
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void printTable(Map<String, Object> machine) {
        int w1 = 10;
        int w2 = 8;
        int w3 = 6;
        for (Row r : rows) {
            w1 = Math.max(w1, r.figure().length());
            w2 = Math.max(w2, r.measured().length());
            w3 = Math.max(w3, r.target().length());
        }
        out.println();
        out.printf("machine: %s cores (%s), %s GB, %s, %s; commit %s%n", machine.get("cores"), machine.get("cpu"),
                machine.get("memoryGB"), machine.get("jvm"), machine.get("os"), machine.get("commit"));
        String fmt = "| %-" + w1 + "s | %-" + w2 + "s | %-" + w3 + "s | %-4s |%n";
        out.printf(fmt, "figure", "measured", "target", "pass");
        out.printf("|%s|%s|%s|%s|%n", "-".repeat(w1 + 2), "-".repeat(w2 + 2), "-".repeat(w3 + 2), "-".repeat(6));
        for (Row r : rows) {
            out.printf(fmt, r.figure(), r.measured(), r.target(), r.pass() == null ? "" : r.pass() ? "yes" : "NO");
        }
        double worst = otherLoad.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        out.printf("other work on the machine during the measuring windows: up to %.0f%% of a core%s%n", worst,
                worst > 20 ? " (the figures are disturbed: run again on a quiet machine)" : "");
    }
}
