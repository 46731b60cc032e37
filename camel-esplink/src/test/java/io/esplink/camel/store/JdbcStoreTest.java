package io.esplink.camel.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.esplink.camel.EspLinkConstants;
import io.esplink.camel.EspLinkMessage;
import io.esplink.core.DuplicateWindow;
import io.esplink.core.StoredTail;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JDBC store on H2 in files: durable commits, the node's window read back, failures naming the database. */
class JdbcStoreTest {

    @TempDir
    Path dir;
    private final DefaultCamelContext context = new DefaultCamelContext();

    private final List<JdbcConnectionPool> pools = new ArrayList<>();

    /** A pool, as the gateway has: H2 closes a database when its last connection closes. */
    private JdbcConnectionPool h2(String url) {
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "sa", "");
        pools.add(pool);
        return pool;
    }

    @AfterEach
    void closePools() {
        pools.forEach(JdbcConnectionPool::dispose);
    }

    private Exchange message(String clientId, int mid, String payload) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setHeader(EspLinkConstants.CLIENT_ID, clientId);
        e.getMessage().setHeader(EspLinkConstants.MESSAGE_ID, mid);
        e.getMessage().setBody(payload);
        return e;
    }

    private Exchange message(String clientId, int mid, String payload, Instant receivedAt) {
        Exchange e = message(clientId, mid, payload);
        e.getMessage().setHeader(EspLinkConstants.MESSAGE_TIMESTAMP, receivedAt.toEpochMilli());
        return e;
    }

    private Exchange event(String clientId, String event) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setHeader(EspLinkConstants.CLIENT_ID, clientId);
        e.getMessage().setHeader(EspLinkConstants.EVENT, event);
        e.getMessage().setBody(event);
        return e;
    }

    @Test
    void messageCounts_perNodeWithTheNewestReceptionTime_sortedByClientId() throws Exception {
        JdbcStore s = new JdbcStore(h2("jdbc:h2:file:" + dir.resolve("db")));
        s.start();
        assertThat(s.messageCounts()).isEmpty();
        Instant t0 = Instant.parse("2025-03-01T10:00:00.123Z");
        s.store(message("n2", 0, "a", t0.plusSeconds(5)));
        s.store(message("n1", 0, "b", t0));
        s.store(message("n1", 1, "c", t0.plusSeconds(60)));
        s.store(message("n1", 2, "d", t0.plusSeconds(30))); // stored last, received earlier: the newest time counts
        s.store(event("n3", "CONNECTED")); // events are not messages

        assertThat(s.messageCounts()).containsExactly(
                new JdbcStore.MessageCount("n1", 3, t0.plusSeconds(60)),
                new JdbcStore.MessageCount("n2", 1, t0.plusSeconds(5)));
    }

    @Test
    void latestMessages_newestFirst_limited_emptyForAnUnknownNode() throws Exception {
        JdbcStore s = new JdbcStore(h2("jdbc:h2:file:" + dir.resolve("db")));
        s.start();
        Instant t0 = Instant.parse("2025-03-01T10:00:00Z");
        for (int mid = 0; mid < 5; mid++) {
            s.store(message("n1", mid, "m" + mid, t0.plusMillis(mid)));
        }
        s.store(message("n2", 7, "other", t0));

        assertThat(s.latestMessages("n1", 3)).containsExactly(
                new JdbcStore.StoredMessage(t0.plusMillis(4), 4, "m4"),
                new JdbcStore.StoredMessage(t0.plusMillis(3), 3, "m3"),
                new JdbcStore.StoredMessage(t0.plusMillis(2), 2, "m2"));
        assertThat(s.latestMessages("n1", 1000)).extracting(JdbcStore.StoredMessage::payload)
                .containsExactly("m4", "m3", "m2", "m1", "m0");
        assertThat(s.latestMessages("n2", 10)).containsExactly(new JdbcStore.StoredMessage(t0, 7, "other"));
        assertThat(s.latestMessages("nobody", 10)).isEmpty();
        assertThatThrownBy(() -> s.latestMessages("n1", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eventClientIds_andIsKnown_fromMessagesOrEvents() throws Exception {
        JdbcStore s = new JdbcStore(h2("jdbc:h2:file:" + dir.resolve("db")));
        s.start();
        assertThat(s.eventClientIds()).isEmpty();
        assertThat(s.isKnown("n1")).isFalse();
        s.store(event("n2", "CONNECTED"));
        s.store(event("n2", "DISCONNECTED"));
        s.store(event("n1", "CONNECTED"));
        s.store(message("n3", 0, "only a message"));

        assertThat(s.eventClientIds()).containsExactly("n1", "n2");
        assertThat(s.isKnown("n1")).as("events only").isTrue();
        assertThat(s.isKnown("n3")).as("a message only").isTrue();
        assertThat(s.isKnown("n4")).isFalse();
    }

    @Test
    void reads_useTheConfiguredTables_andThrowTheDriversErrorWhileATableIsGone() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        JdbcStore s = new JdbcStore(h2(url));
        s.setWindowInMemory(false); // every read from the tables
        s.setMessageTable("my_message");
        s.setEventTable("my_event");
        s.start();
        s.store(message("n1", 0, "x"));
        s.store(event("n2", "CONNECTED"));
        assertThat(s.messageCounts()).extracting(JdbcStore.MessageCount::clientId).containsExactly("n1");
        assertThat(s.eventClientIds()).containsExactly("n2");
        try (Connection c = h2(url).getConnection(); Statement st = c.createStatement()) {
            assertThat(st.executeQuery("SELECT COUNT(*) FROM my_message").next()).isTrue();
            st.execute("DROP TABLE my_message");
        }
        assertThatThrownBy(s::messageCounts).isInstanceOf(SQLException.class).hasMessageContaining("MY_MESSAGE");
        assertThatThrownBy(() -> s.latestMessages("n1", 5)).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> s.isKnown("n1")).isInstanceOf(SQLException.class);
    }

    @Test
    void onH2InFiles_everyCommitIsWrittenAndSyncedBeforeStoreReturns_andOldSpaceIsKeptOneSecond() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        JdbcStore s = new JdbcStore(h2(url));
        s.start();
        try (Connection c = h2(url).getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS "
                                            + "WHERE SETTING_NAME = 'RETENTION_TIME'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(String.valueOf(JdbcStore.H2_RETENTION_MS));
        }
        long before = java.nio.file.Files.size(dir.resolve("db.mv.db"));
        s.store(message("n1", 0, "x".repeat(5000)));
        // written by the store's CHECKPOINT SYNC, not within H2's 500 ms write delay
        assertThat(java.nio.file.Files.size(dir.resolve("db.mv.db"))).isGreaterThan(before);
    }

    @Test
    void storeAndLoad_windowFromTheTable_theNodesLatest256Ids_newestLast() throws Exception {
        JdbcStore s = new JdbcStore(h2("jdbc:h2:file:" + dir.resolve("db")));
        s.setWindowInMemory(false);
        s.start();
        assertThat(s.isWindowsInMemory()).isFalse();
        s.store(message("n1", 0, "boot"));
        assertThat(s.load("n1").messageIds()).containsExactly(0);
        for (int mid = 1; mid <= 300; mid++) {
            s.store(message("n1", (mid - 1) % 255 + 1, "m" + mid));
        }
        s.store(message("n2", 9, "other"));
        StoredTail tail = s.load("n1");
        assertThat(tail.messageIds()).hasSize(256);
        assertThat(tail.messageIds()[255]).isEqualTo((300 - 1) % 255 + 1);
        assertThat(s.load("n2").messageIds()).containsExactly(9);
        assertThat(s.load("nobody")).isSameAs(StoredTail.EMPTY);
    }

    @Test
    void probeAndStoreFail_namingTheDatabase_whileATableIsGone() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        JdbcStore s = new JdbcStore(h2(url));
        s.start();
        try (Connection c = h2(url).getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE esplink_probe");
        }
        assertThatThrownBy(s::probe).isInstanceOf(SQLException.class).hasMessageContaining(url);
        s.start(); // creates what is missing again
        s.probe();
    }

    @Test
    void startFailsNamingTheDatabase_whenItCannotBeOpened() {
        Path blocked = dir.resolve("file-not-dir");
        JdbcStore s = new JdbcStore(h2("jdbc:h2:file:" + blocked.resolve("db") + ";IFEXISTS=TRUE"));
        assertThatThrownBy(s::start).isInstanceOf(StoreUnavailableException.class).hasMessageContaining(blocked.toString());
    }

    // --- windows kept in memory (the default on embedded H2) ---

    /** What the live gateway's window (L10) holds after every stored ID of a node, in order. */
    private static DuplicateWindow windowOf(List<Integer> ids) {
        DuplicateWindow w = new DuplicateWindow();
        ids.forEach(w::accept);
        return w;
    }

    private static void assertSameWindow(StoredTail tail, DuplicateWindow expected, String node) {
        for (int mid = 0; mid < 256; mid++) {
            assertThat(tail.contains(mid)).as("%s, ID %d", node, mid).isEqualTo(expected.contains(mid));
        }
    }

    /** A started store on {@code url} with the windows in memory that writes them only when told (or at stop). */
    private JdbcStore inMemoryWithoutTimedSnapshots(String url) throws Exception {
        JdbcStore s = new JdbcStore(h2(url));
        s.setSnapshotIntervalMs(3_600_000);
        s.start();
        assertThat(s.isWindowsInMemory()).isTrue();
        return s;
    }

    private static boolean hasIndexByClient(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.INDEXES WHERE "
                                                             + "INDEX_NAME = 'ESPLINK_MESSAGE_BY_CLIENT'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    @Test
    void windowInMemory_isTheDefaultOnEmbeddedH2_andTheIndexByNodeOfAnOlderSchemaIsDropped() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        JdbcStore old = new JdbcStore(h2(url));
        old.setWindowInMemory(false);
        old.start();
        old.store(message("n1", 0, "a"));
        try (Connection c = h2(url).getConnection()) {
            assertThat(hasIndexByClient(c)).isTrue();
        }
        JdbcStore s = new JdbcStore(h2(url));
        s.start();
        assertThat(s.isWindowsInMemory()).isTrue();
        try (Connection c = h2(url).getConnection()) {
            assertThat(hasIndexByClient(c)).isFalse();
        }
        // the database had no window table yet: every row was replayed
        assertThat(s.load("n1").contains(0)).isTrue();
        assertThat(s.messageCounts()).extracting(JdbcStore.MessageCount::messages).containsExactly(1L);
    }

    @Test
    void L10_windowInMemory_afterARestart_isTheWindowOfAllStoredRows_fromTheSnapshotAndTheRowsAfterIt()
            throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        JdbcStore s = inMemoryWithoutTimedSnapshots(url); // snapshots: at start, one half-way, none else
        java.util.Map<String, List<Integer>> stored = new java.util.TreeMap<>();
        java.util.Random random = new java.util.Random(7);
        int[] next = new int[5];
        for (int round = 0; round < 700; round++) {
            List<EspLinkMessage> batch = new ArrayList<>();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                int node = random.nextInt(5);
                // IDs 0, 1..255, 1..; now and then a node restarts (0) or a resend's ID comes again
                int mid = random.nextInt(50) == 0 ? 0 : random.nextInt(20) == 0 ? next[node] : (next[node] % 255) + 1;
                next[node] = mid;
                batch.add(new EspLinkMessage("n" + node, mid, "p" + round, 1_000L + round, 0, null));
                stored.computeIfAbsent("n" + node, x -> new ArrayList<>()).add(mid);
            }
            s.storeMessages(batch);
            if (round == 350) {
                s.writeWindows(); // the rest is replayed after it
            }
        }
        long covered;
        try (Connection c = h2(url).getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT last_row_id FROM esplink_window WHERE client_id = ''")) {
            assertThat(rs.next()).as("a snapshot was written").isTrue();
            covered = rs.getLong(1);
        }
        JdbcStore restarted = new JdbcStore(h2(url));
        restarted.start();
        JdbcStore fromTable = new JdbcStore(h2("jdbc:h2:file:" + dir.resolve("db")));
        for (var e : stored.entrySet()) {
            DuplicateWindow expected = windowOf(e.getValue());
            assertSameWindow(s.load(e.getKey()), expected, e.getKey() + " live");
            assertSameWindow(restarted.load(e.getKey()), expected, e.getKey() + " after a restart");
        }
        assertThat(covered).as("rows came after the snapshot").isLessThan(stored.values().stream()
                .mapToLong(List::size).sum());
        assertThat(restarted.messageCounts()).isEqualTo(s.messageCounts());
        assertThat(restarted.load("nobody")).isSameAs(StoredTail.EMPTY);
        // the same windows as reading each node's latest rows from the table (an index made again for it)
        fromTable.setWindowInMemory(false);
        fromTable.start();
        for (var e : stored.entrySet()) {
            assertSameWindow(fromTable.load(e.getKey()), windowOf(e.getValue()), e.getKey() + " from the table");
        }
    }

    @Test
    void windowInMemory_withoutAnySnapshot_everyRowIsReplayedAtStart() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        JdbcStore s = inMemoryWithoutTimedSnapshots(url);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int mid = i % 255 + (i >= 255 ? 1 : 0);
            s.store(message("n1", mid, "m" + i));
            ids.add(mid);
        }
        try (Connection c = h2(url).getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM esplink_window")) {
            rs.next();
            assertThat(rs.getInt(1)).as("nothing written within the interval").isZero();
        }
        JdbcStore restarted = new JdbcStore(h2(url));
        restarted.start();
        assertSameWindow(restarted.load("n1"), windowOf(ids), "n1");
        assertThat(restarted.latestMessages("n1", 2)).extracting(JdbcStore.StoredMessage::payload)
                .containsExactly("m399", "m398");
    }

    @Test
    void windowInMemory_aBatchThatFails_movesNoWindow_andIsStoredOnceWhenSent_again() throws Exception {
        JdbcStore s = new JdbcStore(h2("jdbc:h2:file:" + dir.resolve("db")));
        s.start();
        s.store(message("n1", 1, "first"));
        List<EspLinkMessage> bad = List.of(new EspLinkMessage("n1", 2, "second", 1L, 0, null),
                new EspLinkMessage("x".repeat(1001), 3, "a client ID longer than its column", 1L, 0, null));
        assertThatThrownBy(() -> s.storeMessages(bad)).isInstanceOf(SQLException.class);
        assertThat(s.load("n1").contains(2)).isFalse();
        assertThat(s.messageCounts()).extracting(JdbcStore.MessageCount::messages).containsExactly(1L);
        s.storeMessages(List.of(bad.get(0)));
        assertThat(s.load("n1").contains(2)).isTrue();
        assertThat(s.latestMessages("n1", 10)).extracting(JdbcStore.StoredMessage::payload)
                .containsExactly("second", "first");
    }

    @Test
    void windowInMemory_stopWritesTheWindows_andAStopAfterItsDataSourceClosedIsNoError() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        JdbcStore s = inMemoryWithoutTimedSnapshots(url);
        s.store(message("n1", 1, "a"));
        s.store(message("n1", 2, "b"));
        s.stop();
        try (Connection c = h2(url).getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT w.last_row_id = (SELECT MAX(id) FROM esplink_message) "
                                            + "FROM esplink_window w WHERE w.client_id = ''")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).as("the windows cover every row: nothing to replay").isTrue();
        }

        JdbcConnectionPool pool = h2(url);
        JdbcStore t = new JdbcStore(pool);
        t.start();
        t.store(message("n1", 3, "c"));
        pool.dispose(); // the data source goes first, as a context may destroy it before the store
        t.stop();
        JdbcStore restarted = new JdbcStore(h2(url));
        restarted.start();
        assertSameWindow(restarted.load("n1"), windowOf(List.of(1, 2, 3)), "n1");
    }

    @Test
    void snapshotInterval_outOfRange_isRefused() {
        JdbcStore s = new JdbcStore();
        assertThatThrownBy(() -> s.setSnapshotIntervalMs(99)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("snapshotIntervalMs");
        assertThatThrownBy(() -> s.setSnapshotIntervalMs(3_600_001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.setWindowTable("bad name")).isInstanceOf(IllegalArgumentException.class);
    }
}
