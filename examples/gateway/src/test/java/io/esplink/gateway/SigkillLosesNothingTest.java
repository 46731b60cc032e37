package io.esplink.gateway;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.core.CredentialsFile;
import io.esplink.core.EspLinkClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import org.apache.camel.test.AvailablePortFinder;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of the gateway: "a gateway crash loses nothing: an ACK means the message is on disk, and a restarted
 * gateway recognises resends".
 * <p>
 * The gateway runs as its own process (the test JVM's java and class path) with the default routes
 * esplink-to-database (H2 under the data directory) and esplink-to-files (JSON lines per node). Simulated nodes (the
 * component's Java node client, qos and wait, at most {@value #MAX_IN_FLIGHT_DEFAULT} unacknowledged messages each,
 * as the upstream client) send numbered readings at a steady rate while the gateway is killed with SIGKILL at random
 * moments and restarted at once on the same data directory and ports. Once every node has had every message
 * ACKed, the gateway is stopped gracefully and every store must hold, per node, exactly the ACKed readings: none
 * missing (an ACK means the message was on disk), none twice (a resend of a message stored before the crash is
 * recognised), in the order they were sent.
 * <p>
 * The run is printed as a timeline (seed, each kill, the counts of each store) in the test's output file. Longer
 * manual runs: {@code mvn -B -ntp -pl examples/gateway -am verify -Dtest=SigkillLosesNothingTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Desplink.crash.kills=20 -Desplink.crash.nodes=40} (also
 * {@code esplink.crash.rate}, {@code esplink.crash.max-in-flight}, {@code esplink.crash.kill-min-ms},
 * {@code esplink.crash.kill-max-ms}, and {@code esplink.crash.seed} to replay the kill times of a run).
 */
class SigkillLosesNothingTest {

    static final String HOST = "127.0.0.1";
    static final long TIMEOUT_MS = 1000;
    static final int MAX_IN_FLIGHT_DEFAULT = 20;

    static final int NODES = Integer.getInteger("esplink.crash.nodes", 20);
    static final int KILLS = Integer.getInteger("esplink.crash.kills", 4);
    /** Readings per second per node. */
    static final double RATE = Double.parseDouble(System.getProperty("esplink.crash.rate", "20"));
    static final int MAX_IN_FLIGHT = Integer.getInteger("esplink.crash.max-in-flight", MAX_IN_FLIGHT_DEFAULT);
    /**
     * A kill comes this long after every node is connected again (uniform in [min, max)): early kills hit the burst
     * of resends and queued readings that follows a restart (torn lines, stored-but-unACKed messages), later ones
     * the steady flow (commits not yet on disk).
     */
    static final long KILL_MIN_MS = Long.getLong("esplink.crash.kill-min-ms", 0);
    static final long KILL_MAX_MS = Long.getLong("esplink.crash.kill-max-ms", 4000);
    static final long SEED = Long.getLong("esplink.crash.seed", System.nanoTime());

    static final Duration STARTUP = Duration.ofSeconds(60);
    static final Duration NODES_UP = Duration.ofSeconds(20);
    static final Duration DRAIN = Duration.ofSeconds(60);
    static final Duration STOP = Duration.ofSeconds(30);
    static final int SIGKILL_EXIT = 128 + 9;

    /** Gateways still running, killed by the shutdown hook if the test JVM ends before the test cleans up. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "kill-crash-test-gateways"));
    }

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dataDir;

    private final ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final EventLoopGroup group = new NioEventLoopGroup(2);
    private final DefaultEventExecutorGroup notifiers = new DefaultEventExecutorGroup(2);
    private final ScheduledExecutorService ticker = daemonScheduler("crash-test-nodes");
    private final ScheduledExecutorService killer = daemonScheduler("crash-test-killer");
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> timeline = new CopyOnWriteArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final Random random = new Random(SEED);
    private CredentialsFile credentials;

    private int nodePort;
    private int httpPort;
    private Process gateway;
    private long started = System.nanoTime();

    @Test
    void gatewaySigkilledAndRestarted_everyAckedReadingStoredOnceInOrder_inDatabaseAndFiles() throws Exception {
        started = System.nanoTime();
        note("seed %d (-Desplink.crash.seed=%d), %d nodes at %s/s, max %d unACKed, %d kills %d-%d ms after the nodes"
             + " are back, data in %s", SEED, SEED, NODES, RATE, MAX_IN_FLIGHT, KILLS, KILL_MIN_MS, KILL_MAX_MS,
                dataDir);
        try {
            String cp = System.getProperty("java.class.path");
            note("gateway class path: %d entries; esplink ones: %s", cp.split(File.pathSeparator).length,
                    Stream.of(cp.split(File.pathSeparator)).filter(e -> e.contains("esplink")).toList());
            nodePort = freePortOutsideEphemeralRange();
            httpPort = freePortOutsideEphemeralRange();
            // the nodes prove their IDs, as on the gateway's defaults
            credentials = new CredentialsFile(dataDir.resolve("node-credentials")).load();
            startGateway();
            for (int i = 0; i < NODES; i++) {
                nodes.add(new Node(String.format(Locale.ROOT, "n%02d", i)));
            }
            nodes.forEach(Node::start);

            for (int k = 1; k <= KILLS; k++) {
                awaitNodesUp();
                long delay = KILL_MIN_MS + (long) (random.nextDouble() * Math.max(1, KILL_MAX_MS - KILL_MIN_MS));
                long ackedBefore = acked();
                ScheduledFuture<Integer> kill = killer.schedule(this::killGateway, delay, TimeUnit.MILLISECONDS);
                int exit = kill.get(delay + STOP.toMillis(), TimeUnit.MILLISECONDS);
                note("kill %d after %d ms: exit %d, %d ACKed in that run, %d unACKed at the kill", k, delay, exit,
                        acked() - ackedBefore, inFlight());
                assertEquals(SIGKILL_EXIT, exit, "the gateway must have died of SIGKILL");
                startGateway();
            }
            awaitNodesUp();
            long delay = KILL_MIN_MS + (long) (random.nextDouble() * Math.max(1, KILL_MAX_MS - KILL_MIN_MS));
            long ackedBefore = acked();
            killer.schedule(() -> nodes.forEach(Node::stopSending), delay, TimeUnit.MILLISECONDS)
                    .get(delay + STOP.toMillis(), TimeUnit.MILLISECONDS);
            note("stopped sending after %d ms in the last run (%d ACKed in it); waiting for %d unACKed", delay,
                    acked() - ackedBefore, inFlight());
            awaitDrained();
            long sent = nodes.stream().mapToLong(n -> n.sent.get()).sum();
            long skipped = nodes.stream().mapToLong(n -> n.skipped.get()).sum();
            long retransmissions = nodes.stream().mapToLong(n -> n.client.retransmissions()).sum();
            note("drained: %d sent, %d ACKed, %d skipped (node full), %d retransmissions", sent, acked(), skipped,
                    retransmissions);
            nodes.forEach(n -> n.client.close());
            stopGateway();

            verifyStores();
        } catch (Throwable t) {
            printLogTails();
            throw t;
        }
    }

    // ---- the stores ----

    private void verifyStores() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Node n : nodes) {
            if (n.acked.isEmpty()) {
                problems.add("node " + n.id + ": nothing ACKed at all (test harness)");
            }
            if (!n.failures.isEmpty()) {
                problems.add("node " + n.id + ": sends failed (test harness): " + first(n.failures, 5));
            }
        }
        Map<String, List<Long>> db = new TreeMap<>();
        List<String> dbBad = new ArrayList<>();
        long dbRows = readDatabase(db, dbBad);
        Map<String, List<Long>> files = new TreeMap<>();
        List<String> filesBad = new ArrayList<>();
        long fileLines = readFiles(files, filesBad);

        String dbSummary = check("db", db, dbBad, dbRows, problems);
        String filesSummary = check("files", files, filesBad, fileLines, problems);
        note("%s", dbSummary);
        note("%s", filesSummary);
        if (!problems.isEmpty()) {
            fail("A SIGKILLed gateway lost or duplicated messages (seed " + SEED + ", data kept in " + dataDir
                 + ")\n" + dbSummary + "\n" + filesSummary + "\n" + String.join("\n", problems)
                 + "\n-- timeline --\n" + String.join("\n", timeline));
        }
    }

    /**
     * Compares one store with what the nodes had ACKed; adds a line per node with a problem to {@code problems}.
     *
     * @return a one-line summary of the store
     */
    private String check(String store, Map<String, List<Long>> stored, List<String> bad, long records,
                         List<String> problems) {
        long missing = 0;
        long duplicated = 0;
        long orderBreaks = 0;
        long unexpected = 0;
        int nodesWithProblems = 0;
        long firstTwice = 0;
        for (Node n : nodes) {
            List<Long> seqs = stored.getOrDefault(n.id, List.of());
            if (seqs.size() >= 2 && seqs.get(0) == 1 && seqs.get(1) == 1) {
                // the one documented exception (README, "Crashes"): a node's first message has ID 0, which L10 says
                // is always a new message (a node that woke from deep sleep sends nothing else); stored and not yet
                // ACKed at the kill, its resend is stored again, right after the first copy. No other message may.
                seqs = new ArrayList<>(seqs);
                seqs.remove(1);
                firstTwice++;
            }
            Set<Long> acked = new TreeSet<>(n.acked);
            long sentMax = n.sent.get();
            Map<Long, Integer> counts = new TreeMap<>();
            seqs.forEach(s -> counts.merge(s, 1, Integer::sum));
            List<Long> lost = acked.stream().filter(s -> !counts.containsKey(s)).toList();
            List<String> twice = counts.entrySet().stream().filter(e -> e.getValue() > 1)
                    .map(e -> e.getKey() + "x" + e.getValue()).toList();
            long extraCopies = counts.values().stream().mapToLong(c -> c - 1).sum();
            List<String> breaks = new ArrayList<>();
            for (int i = 1; i < seqs.size(); i++) {
                if (seqs.get(i) <= seqs.get(i - 1)) {
                    breaks.add(seqs.get(i) + " after " + seqs.get(i - 1));
                }
            }
            List<Long> neverSent = counts.keySet().stream().filter(s -> s < 1 || s > sentMax).toList();
            List<Long> notAcked = counts.keySet().stream().filter(s -> s >= 1 && s <= sentMax && !acked.contains(s))
                    .toList();
            missing += lost.size();
            duplicated += extraCopies;
            orderBreaks += breaks.size();
            unexpected += neverSent.size() + notAcked.size();
            if (!lost.isEmpty() || !twice.isEmpty() || !breaks.isEmpty() || !neverSent.isEmpty()
                || !notAcked.isEmpty()) {
                nodesWithProblems++;
                problems.add(String.format(Locale.ROOT,
                        "%s: node %s (%d ACKed, %d stored) missing %d %s duplicated %d %s order breaks %d %s"
                        + " stored-never-sent %d %s stored-not-ACKed %d %s",
                        store, n.id, acked.size(), seqs.size(), lost.size(), first(lost, 10), twice.size(),
                        first(twice, 10), breaks.size(), first(breaks, 5), neverSent.size(), first(neverSent, 10),
                        notAcked.size(), first(notAcked, 10)));
            }
        }
        Set<String> strangers = new TreeSet<>(stored.keySet());
        nodes.forEach(n -> strangers.remove(n.id));
        if (!strangers.isEmpty()) {
            problems.add(store + ": records of unknown nodes " + strangers);
        }
        for (String b : bad) {
            problems.add(store + ": " + b);
        }
        long ackedTotal = acked();
        return String.format(Locale.ROOT,
                "%s: %d records for %d ACKed: missing %d, duplicated %d, order breaks %d, unexpected %d, bad records"
                + " %d; %d of %d nodes affected (first message, ID 0, stored twice by the L10 rule: %d nodes)",
                store, records, ackedTotal, missing, duplicated, orderBreaks, unexpected, bad.size(),
                nodesWithProblems, nodes.size(), firstTwice);
    }

    /** esplink_message by id: the seq of each row, per client ID. Unreadable rows go to {@code bad}. */
    private long readDatabase(Map<String, List<Long>> out, List<String> bad) {
        String url = "jdbc:h2:file:" + dataDir.resolve("esplink");
        long rows = 0;
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             PreparedStatement ps = c.prepareStatement(
                     "SELECT id, client_id, message_id, payload FROM esplink_message ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows++;
                String clientId = rs.getString(2);
                String payload = rs.getString(4);
                Long seq = seq(clientId, payload);
                if (seq == null) {
                    bad.add("row id " + rs.getLong(1) + " of '" + clientId + "' (message " + rs.getInt(3)
                            + "): unexpected payload '" + abbreviate(payload) + "'");
                } else {
                    out.computeIfAbsent(clientId, k -> new ArrayList<>()).add(seq);
                }
            }
        } catch (SQLException e) {
            bad.add("cannot read esplink_message from " + url + ": " + e);
        }
        return rows;
    }

    /**
     * messages/*.jsonl: one JSON record per line, in file order. A line that is not exactly one record (a torn
     * write, two records run together) goes to {@code bad} with its content, as does a file not ending with a
     * line end.
     */
    private long readFiles(Map<String, List<Long>> out, List<String> bad) throws IOException {
        Path dir = dataDir.resolve("messages");
        if (!Files.isDirectory(dir)) {
            bad.add("no directory " + dir);
            return 0;
        }
        long records = 0;
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            String name = "messages/" + f.getFileName();
            if (!name.endsWith(".jsonl")) {
                bad.add("unexpected file " + name);
                continue;
            }
            String fileNode = f.getFileName().toString().replaceFirst("\\.jsonl$", "");
            String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
            if (!text.isEmpty() && !text.endsWith("\n")) {
                bad.add(name + ": does not end with a line end (torn last write)");
            }
            String[] lines = text.split("\n", -1);
            int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
            for (int i = 0; i < count; i++) {
                String line = lines[i];
                records++;
                JsonNode rec;
                try {
                    rec = mapper.readTree(line);
                } catch (IOException e) {
                    rec = null;
                }
                if (rec == null || !rec.isObject() || !rec.path("clientId").isTextual()
                    || !rec.path("messageId").isInt() || !rec.path("payload").isObject()) {
                    bad.add(name + " line " + (i + 1) + ": not one JSON record: '" + abbreviate(line) + "'");
                    continue;
                }
                String clientId = rec.get("clientId").asText();
                Long seq = seq(clientId, rec.get("payload").toString()); // the node's JSON, kept as JSON
                if (seq == null || !clientId.equals(fileNode)) {
                    bad.add(name + " line " + (i + 1) + ": unexpected record '" + abbreviate(line) + "'");
                    continue;
                }
                out.computeIfAbsent(clientId, k -> new ArrayList<>()).add(seq);
            }
        }
        return records;
    }

    /** The seq of a payload {"node":clientId,"seq":n}, or null if it is not one. */
    private Long seq(String clientId, String payload) {
        try {
            JsonNode p = mapper.readTree(payload);
            if (p != null && p.path("node").asText("").equals(clientId) && p.path("seq").canConvertToLong()) {
                return p.get("seq").asLong();
            }
        } catch (IOException | RuntimeException e) {
            // reported by the caller
        }
        return null;
    }

    // ---- the gateway process ----

    private void startGateway() {
        int n = logs.size() + 1;
        Path log = dataDir.resolve("gateway-" + n + ".log");
        logs.add(log);
        List<String> cmd = GatewayProcess.command(List.of("--esplink.host=" + HOST, "--esplink.port=" + nodePort,
                "--esplink.http.host=" + HOST, "--esplink.http.port=" + httpPort, "--esplink.data.dir=" + dataDir,
                "--esplink.timeout=" + TIMEOUT_MS));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dataDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the gateway: " + cmd.get(0), e);
        }
        LIVE.add(p);
        gateway = p;
        try {
            await("gateway " + n + " healthy").atMost(STARTUP).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!p.isAlive()) {
                    throw new AssertionError("gateway " + n + " exited with " + p.exitValue() + " before it was"
                                             + " ready; its log ends with:\n" + tail(log, 60));
                }
                return healthy();
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("gateway " + n + " not healthy on http://" + HOST + ":" + httpPort
                                     + "/health within " + STARTUP + "; its log ends with:\n" + tail(log, 60), e);
        }
        note("gateway %d (pid %d) ready in %d ms", n, p.pid(), (System.nanoTime() - t0) / 1_000_000);
    }

    private boolean healthy() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort
                                                                               + "/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL; returns the exit value (137 when the signal killed it). */
    private int killGateway() throws InterruptedException {
        Process p = gateway;
        p.destroyForcibly();
        if (!p.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("gateway pid " + p.pid() + " still alive " + STOP + " after SIGKILL");
        }
        LIVE.remove(p);
        return p.exitValue();
    }

    /** SIGTERM, and wait for the exit. */
    private void stopGateway() throws InterruptedException {
        Process p = gateway;
        p.destroy();
        if (!p.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail("gateway pid " + p.pid() + " did not stop within " + STOP + " of SIGTERM");
        }
        LIVE.remove(p);
        note("gateway stopped by SIGTERM: exit %d", p.exitValue());
    }

    /**
     * A free port below the kernel's ephemeral range, kept for every restart: while the gateway is down the nodes
     * keep reconnecting, and an outgoing connection can take an ephemeral port as its local port (then the gateway
     * cannot bind it again, or a node connecting to that port connects to itself).
     */
    private static int freePortOutsideEphemeralRange() {
        int low = 32768;
        try {
            low = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim()
                    .split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // not Linux: the usual range
        }
        if (low < 12000) {
            return AvailablePortFinder.getNextAvailable();
        }
        int from = 10000 + ThreadLocalRandom.current().nextInt(low - 12000);
        return AvailablePortFinder.getNextAvailable(from, low - 1);
    }


    // ---- the nodes ----

    private void awaitNodesUp() {
        try {
            await("every node connected").atMost(NODES_UP).pollInterval(Duration.ofMillis(50))
                    .until(() -> nodes.stream().allMatch(n -> n.client.isUp()));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("nodes not connected after " + NODES_UP + ": " + nodes.stream()
                    .filter(n -> !n.client.isUp()).map(n -> n.id).toList(), e);
        }
    }

    private void awaitDrained() {
        try {
            await("every message ACKed").atMost(DRAIN).pollInterval(Duration.ofMillis(100))
                    .until(() -> inFlight() == 0);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("messages still unACKed after " + DRAIN + ": " + nodes.stream()
                    .filter(n -> n.inFlight.get() > 0).map(n -> n.id + "=" + n.inFlight.get()).toList(), e);
        }
    }

    private long acked() {
        return nodes.stream().mapToLong(n -> n.acked.size()).sum();
    }

    private long inFlight() {
        return nodes.stream().mapToLong(n -> n.inFlight.get()).sum();
    }

    /** A node sending {"node":id,"seq":n} with qos and wait, at most MAX_IN_FLIGHT unACKed (a tick is skipped). */
    private final class Node {
        final String id;
        final EspLinkClient client;
        final AtomicLong sent = new AtomicLong();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong skipped = new AtomicLong();
        final Set<Long> acked = ConcurrentHashMap.newKeySet();
        final List<String> failures = new CopyOnWriteArrayList<>();
        volatile boolean sending = true;
        volatile ScheduledFuture<?> task;

        Node(String id) {
            this.id = id;
            String secret;
            try {
                secret = credentials.add(id, List.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.client = EspLinkClient.builder(HOST, nodePort, id + ":" + secret).timeoutMs(TIMEOUT_MS).group(group)
                    .notifier(notifiers.next()).build();
        }

        void start() {
            client.start();
            long periodUs = Math.max(1, Math.round(1_000_000 / RATE));
            long firstUs = (long) (random.nextDouble() * periodUs); // spread the nodes over one period
            task = ticker.scheduleAtFixedRate(this::tick, firstUs, periodUs, TimeUnit.MICROSECONDS);
        }

        void tick() {
            if (!sending) {
                return;
            }
            if (inFlight.get() >= MAX_IN_FLIGHT) {
                skipped.incrementAndGet();
                return;
            }
            long seq = sent.incrementAndGet();
            inFlight.incrementAndGet();
            try {
                client.send("{\"node\":\"" + id + "\",\"seq\":" + seq + "}", true, true).whenComplete((ok, err) -> {
                    if (err == null) {
                        acked.add(seq);
                    } else {
                        failures.add(seq + ": " + err);
                    }
                    inFlight.decrementAndGet();
                });
            } catch (RuntimeException e) {
                // a throwing task would be cancelled silently by the scheduler
                failures.add(seq + ": " + e);
                inFlight.decrementAndGet();
            }
        }

        void stopSending() {
            sending = false;
            ScheduledFuture<?> t = task;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    // ---- cleanup and reporting ----

    @AfterEach
    void cleanUp() throws InterruptedException {
        ticker.shutdownNow();
        killer.shutdownNow();
        for (Node n : nodes) {
            n.stopSending();
            n.client.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        notifiers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        for (Process p : new ArrayList<>(LIVE)) {
            p.destroyForcibly();
            p.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS);
            LIVE.remove(p);
        }
    }

    private void note(String format, Object... args) {
        String line = String.format(Locale.ROOT, "%6.1fs ", (System.nanoTime() - started) / 1e9)
                      + String.format(Locale.ROOT, format, args);
        timeline.add(line);
        System.out.println("[crash-test] " + line);
    }

    private void printLogTails() {
        for (Path log : logs) {
            System.out.println("[crash-test] ---- end of " + log + " ----\n" + tail(log, 40));
        }
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private static String first(Collection<?> items, int max) {
        List<String> shown = items.stream().limit(max).map(String::valueOf).collect(Collectors.toList());
        return "[" + String.join(", ", shown) + (items.size() > max ? ", ...]" : "]");
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 400 ? s : s.substring(0, 200) + " ...(" + s.length() + " chars)... "
                                        + s.substring(s.length() - 200);
    }

    private static ScheduledExecutorService daemonScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
