package io.esplink.gateway;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.esplink.camel.store.JdbcStore;
import io.esplink.core.MemoryBudget;
import io.esplink.core.NodeView;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the status page shows, kept by the gateway: a row per node, and an hour of history (messages per second in and
 * out, connected nodes), sent to the page's server-sent-event streams in batches.
 * <p>
 * One thread ({@code esplink-fleet}) does everything here, so nothing is locked: once a second it reads every node
 * from the {@link FleetSource} (the esplink server's snapshots), compares each with its row, and sends one
 * {@code rows} event with the rows that changed, whatever the number of nodes and messages; every
 * {@value #SAMPLE_MS} ms it adds a sample to a ring buffer of {@value #HISTORY} (one hour) and sends it as a
 * {@code sample} event. A new stream gets a {@code snapshot} event first (every row and the whole history), made on the
 * same thread between two ticks, so the stream's deltas follow from it exactly.
 * <p>
 * Counts are kept from the snapshots: messages per second from the growth of each node's counters (a counter that
 * starts again, when a forgotten node comes back, counts from zero), reconnects in the last hour from the growth of
 * each node's connection count, in minute buckets. The last message of each node is the server's own preview of it
 * ({@link NodeView#lastPayload()}: escaped, cut to 100 characters). Nodes the server forgot keep their last row, last
 * message included; beyond {@link #MAX_ROWS} rows (from the heap: {@link MemoryBudget#fleetRows()}) those not seen
 * for the longest are dropped.
 */
public final class FleetMonitor extends ServiceSupport implements CamelContextAware {

    /** The registry name of the gateway's monitor, for the node route's bean step. */
    public static final String BEAN = "esplinkFleet";
    static final long TICK_MS = 1000;
    static final long SAMPLE_MS = 5000;
    /** Samples kept: one hour. */
    static final int HISTORY = (int) (3_600_000 / SAMPLE_MS);
    static final int MAX_ROWS = MemoryBudget.machine().fleetRows();

    private static final Logger LOG = LoggerFactory.getLogger(FleetMonitor.class);

    /** A page's stream. */
    interface Subscriber {
        /**
         * Queues one event for the page; false when the page is gone or reads too slowly (it is then dropped, and
         * starts again with a snapshot when it reconnects).
         */
        boolean send(String event, String json);
    }

    /** A row of the page's table: what the page shows of one node. Times in epoch ms, 0 for none. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Row(String id, String state, long since, String reason, String address, int connects, int reconnects1h,
               long in, long out, long retx, int pending, long lastAt, String last, boolean expected) {
    }

    /** The first event of a stream: every row, and the hour of history in time order. */
    record Snapshot(long now, long sampleMs, List<Row> rows, History history) {
    }

    /** Rows that changed since the last tick, and rows dropped. */
    record Delta(long now, List<Row> rows, List<String> removed) {
    }

    /** One sample: messages per second from the nodes ({@code in}) and to them ({@code out}), connected nodes. */
    record Sample(long t, double in, double out, int connected) {
    }

    /** The samples, oldest first, as columns. */
    record History(long[] t, double[] in, double[] out, int[] connected) {
    }

    /** The last message of a node, as the server showed it. */
    private record LastMessage(String payload, long at) {
    }

    /** What the monitor keeps of a node besides its row. */
    private static final class Node {
        Row row;
        boolean session;
        int connects;
        long in;
        long out;
        LastMessage last;
        ReconnectWindow reconnects;
    }

    private final Set<String> expected;
    private final LongSupplier clock;
    private volatile FleetSource source;
    private volatile Supplier<JdbcStore> store = () -> null;
    private CamelContext context;
    private ScheduledExecutorService executor;

    // ---- the monitor's thread only ----
    private final Map<String, Node> nodes = new HashMap<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final long[] sampleT = new long[HISTORY];
    private final double[] sampleIn = new double[HISTORY];
    private final double[] sampleOut = new double[HISTORY];
    private final int[] sampleConnected = new int[HISTORY];
    private int sampleStart;
    private int sampleCount;
    private long inTotal;
    private long outTotal;
    private long sampledAt;
    private long sampledIn;
    private long sampledOut;
    private int connected;

    FleetMonitor(FleetSource source, Collection<String> expectedClientIds) {
        this(source, expectedClientIds, System::currentTimeMillis);
    }

    FleetMonitor(FleetSource source, Collection<String> expectedClientIds, LongSupplier clock) {
        this.source = source;
        this.expected = Set.copyOf(expectedClientIds);
        this.clock = clock;
        this.sampledAt = clock.getAsLong();
        for (String id : expected) {
            Node n = new Node();
            n.row = new Row(id, "never", 0, null, null, 0, 0, 0, 0, 0, 0, 0, null, true);
            nodes.put(id, n);
        }
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.context = camelContext;
    }

    /** Replaces where the nodes are read from (tests: synthetic fleets). */
    void setSource(FleetSource source) {
        this.source = source;
    }

    /** The database whose known nodes join the table at start (nodes not connected since the gateway started). */
    void setStore(Supplier<JdbcStore> store) {
        this.store = store;
    }

    @Override
    protected void doStart() {
        sampledAt = clock.getAsLong();
        executor = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "esplink-fleet");
        executor.execute(this::loadStored);
        executor.scheduleAtFixedRate(this::safeTick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        if (executor != null) {
            context.getExecutorServiceManager().shutdownNow(executor);
            executor = null;
        }
        subscribers.clear();
    }

    // ---- streams ----

    /** Sends {@code s} a snapshot, then every delta and sample, until it refuses one. */
    void subscribe(Subscriber s) {
        onMonitorThread(() -> {
            if (subscribers.isEmpty() && executor != null) {
                tick(); // unwatched, the rows are brought up to date only with each sample
            }
            if (s.send("snapshot", ApiJson.write(snapshot()))) {
                subscribers.add(s);
            }
        });
    }

    void unsubscribe(Subscriber s) {
        onMonitorThread(() -> subscribers.remove(s));
    }

    /** Streams open now. */
    int subscribers() {
        return subscribers.size();
    }

    private void onMonitorThread(Runnable task) {
        ScheduledExecutorService e = executor;
        if (e == null) {
            task.run(); // not started: tests drive the monitor themselves
        } else {
            e.execute(task);
        }
    }

    private void broadcast(String event, Object body) {
        if (subscribers.isEmpty()) {
            return;
        }
        String json = ApiJson.write(body); // once, whatever the number of pages
        subscribers.removeIf(s -> !s.send(event, json));
    }

    // ---- the tick ----

    private void safeTick() {
        try {
            // nobody watching: a visit of every node only for each sample (a gateway of 15,000 idle nodes would spend
            // a fifth of a core on rows no one sees); the counts since the last visit are not lost by waiting
            if (subscribers.isEmpty() && clock.getAsLong() - sampledAt < SAMPLE_MS) {
                return;
            }
            tick();
        } catch (RuntimeException e) {
            LOG.warn("Status page monitor: {}", e.toString(), e);
        }
    }

    /** Reads every node, sends the rows that changed, and a sample when one is due. */
    void tick() {
        long now = clock.getAsLong();
        List<NodeView> views = source.nodes();
        List<Row> changed = new ArrayList<>();
        Set<String> seen = new HashSet<>(Math.max(16, views.size() * 2));
        int up = 0;
        for (NodeView v : views) {
            seen.add(v.clientId());
            if (v.connected()) {
                up++;
            }
            Node n = nodes.computeIfAbsent(v.clientId(), k -> new Node());
            if (update(n, v, now)) {
                changed.add(n.row);
            }
        }
        connected = up;
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            Node n = e.getValue();
            if (!seen.contains(e.getKey())) {
                n.session = false; // forgotten by the server (or not connected since the start): the row stays
            }
            if (n.reconnects != null && !seen.contains(e.getKey()) && refreshReconnects(n, now)) {
                changed.add(n.row);
            }
        }
        List<String> removed = trim();
        if (!changed.isEmpty() || !removed.isEmpty()) {
            broadcast("rows", new Delta(now, changed, removed));
        }
        if (now - sampledAt >= SAMPLE_MS) {
            broadcast("sample", sample(now));
        }
    }

    /** Brings a node's row up to date with its snapshot; true when the row changed. */
    private boolean update(Node n, NodeView v, long now) {
        n.session = true;
        int connects = v.connectCount();
        if (connects != n.connects) {
            // connections since the last tick that were not the node's first: reconnects
            int fresh = connects > n.connects ? connects - n.connects : connects;
            if (n.row == null || n.connects == 0) {
                fresh--; // the first connection the monitor sees is not a reconnect
            }
            if (fresh > 0) {
                if (n.reconnects == null) {
                    n.reconnects = new ReconnectWindow();
                }
                n.reconnects.add(now, fresh);
            }
            n.connects = connects;
        }
        inTotal += v.messagesIn() >= n.in ? v.messagesIn() - n.in : v.messagesIn();
        outTotal += v.messagesOut() >= n.out ? v.messagesOut() - n.out : v.messagesOut();
        n.in = v.messagesIn();
        n.out = v.messagesOut();
        if (v.lastPayload() != null && (n.last == null || n.last.at() != millis(v.lastMessageAt()))) {
            n.last = new LastMessage(v.lastPayload(), millis(v.lastMessageAt()));
        }
        int reconnects1h = n.reconnects == null ? 0 : n.reconnects.count(now);
        if (reconnects1h == 0) {
            n.reconnects = null;
        }
        boolean up = v.connected();
        Row row = new Row(v.clientId(), up ? "up" : "down", millis(up ? v.connectedSince() : v.disconnectedAt()),
                up ? null : v.lastDisconnectReason(), v.remoteAddress(), connects, reconnects1h, v.messagesIn(),
                v.messagesOut(), v.retransmissions(), v.pending(),
                Math.max(millis(v.lastMessageAt()), n.last == null ? 0 : n.last.at()),
                n.last == null ? null : n.last.payload(), expected.contains(v.clientId()));
        if (row.equals(n.row)) {
            return false;
        }
        n.row = row;
        return true;
    }

    /** For a node without a snapshot now: its reconnects of the last hour age. */
    private boolean refreshReconnects(Node n, long now) {
        int count = n.reconnects.count(now);
        if (count == 0) {
            n.reconnects = null;
        }
        if (n.row == null || count == n.row.reconnects1h()) {
            return false;
        }
        Row r = n.row;
        n.row = new Row(r.id(), r.state(), r.since(), r.reason(), r.address(), r.connects(), count, r.in(), r.out(),
                r.retx(), r.pending(), r.lastAt(), r.last(), r.expected());
        return true;
    }

    /** Beyond {@link #MAX_ROWS} rows, drops those without a session, not expected, seen longest ago. */
    private List<String> trim() {
        if (nodes.size() <= MAX_ROWS) {
            return List.of();
        }
        List<Map.Entry<String, Node>> gone = new ArrayList<>();
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            if (!e.getValue().session && !expected.contains(e.getKey())) {
                gone.add(e);
            }
        }
        gone.sort(Comparator.comparingLong(e -> lastSeen(e.getValue())));
        List<String> removed = new ArrayList<>();
        for (int i = 0; i < gone.size() && nodes.size() > MAX_ROWS; i++) {
            String id = gone.get(i).getKey();
            nodes.remove(id);
            removed.add(id);
        }
        return removed;
    }

    private static long lastSeen(Node n) {
        return n.row == null ? 0 : Math.max(n.row.since(), n.row.lastAt());
    }

    private Sample sample(long now) {
        double seconds = Math.max(1, now - sampledAt) / 1000.0;
        Sample s = new Sample(now, round((inTotal - sampledIn) / seconds), round((outTotal - sampledOut) / seconds),
                connected);
        sampledAt = now;
        sampledIn = inTotal;
        sampledOut = outTotal;
        int i = (sampleStart + sampleCount) % HISTORY;
        if (sampleCount == HISTORY) {
            sampleStart = (sampleStart + 1) % HISTORY;
        } else {
            sampleCount++;
        }
        sampleT[i] = s.t();
        sampleIn[i] = s.in();
        sampleOut[i] = s.out();
        sampleConnected[i] = s.connected();
        return s;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    Snapshot snapshot() {
        List<Row> rows = new ArrayList<>(nodes.size());
        for (Node n : nodes.values()) {
            if (n.row != null) {
                rows.add(n.row);
            }
        }
        rows.sort(Comparator.comparing(Row::id));
        return new Snapshot(clock.getAsLong(), SAMPLE_MS, rows, history());
    }

    History history() {
        long[] t = new long[sampleCount];
        double[] in = new double[sampleCount];
        double[] out = new double[sampleCount];
        int[] conn = new int[sampleCount];
        for (int k = 0; k < sampleCount; k++) {
            int i = (sampleStart + k) % HISTORY;
            t[k] = sampleT[i];
            in[k] = sampleIn[i];
            out[k] = sampleOut[i];
            conn[k] = sampleConnected[i];
        }
        return new History(t, in, out, conn);
    }

    /** Nodes the database knows but the server has no session of (the gateway restarted since): rows, down. */
    private void loadStored() {
        JdbcStore s = store.get();
        if (s == null) {
            return;
        }
        try {
            for (JdbcStore.MessageCount m : s.messageCounts()) {
                storedRow(m.clientId(), millis(m.lastReceivedAt()));
            }
            for (String id : s.eventClientIds()) {
                storedRow(id, 0);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Status page: the nodes stored in the database are not listed ({})", e.getMessage());
        }
    }

    private void storedRow(String id, long lastAt) {
        Node n = nodes.computeIfAbsent(id, k -> new Node());
        if (n.row == null || (!n.session && "never".equals(n.row.state()))) {
            n.row = new Row(id, "down", 0, "not connected since the gateway started", null, 0, 0, 0, 0, 0, 0, lastAt,
                    null, expected.contains(id));
        }
    }

    private static long millis(Instant t) {
        return t == null ? 0 : t.toEpochMilli();
    }

    /** Connections counted in minute buckets over the last hour (the current minute and the 59 before it). */
    static final class ReconnectWindow {
        private final int[] counts = new int[60];
        private final long[] minutes = new long[60];

        void add(long now, int n) {
            long m = now / 60_000;
            int i = (int) (m % 60);
            if (minutes[i] != m) {
                minutes[i] = m;
                counts[i] = 0;
            }
            counts[i] += n;
        }

        int count(long now) {
            long m = now / 60_000;
            int sum = 0;
            for (int i = 0; i < 60; i++) {
                if (m - minutes[i] < 60) {
                    sum += counts[i];
                }
            }
            return sum;
        }
    }
}
