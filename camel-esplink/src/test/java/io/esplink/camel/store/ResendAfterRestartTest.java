package io.esplink.camel.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.camel.EspLinkComponent;
import io.esplink.core.Protocol;
import io.esplink.core.StoredTail;
import io.esplink.testing.RawNode;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.test.AvailablePortFinder;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postgresql.ds.PGSimpleDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * L10-L11 across a gateway restart: a store that kept a message whose ACK never reached the node tells the restarted
 * gateway so (WindowStore), and the node's resend is acknowledged without being stored twice. Each test runs on the
 * JSON-lines store and on the JDBC store (H2 in files, and PostgreSQL when ESPLINK_TEST_POSTGRES_URL is set);
 * "restart" is a new CamelContext on the same port and data.
 */
class ResendAfterRestartTest {

    enum Kind {
        FILES,
        /** H2 in files: the windows kept in memory and written to the window table (its default). */
        DATABASE,
        /** H2 in files, each window read from the message table (windowInMemory=false). */
        DATABASE_WINDOW_FROM_TABLE,
        /** PostgreSQL, when ESPLINK_TEST_POSTGRES_URL names one (jdbc:postgresql://host/db?user=..&password=..). */
        POSTGRES,
        /** The same with the windows in memory (windowInMemory=true). */
        POSTGRES_WINDOW_IN_MEMORY
    }

    private static final String POSTGRES_URL = System.getenv("ESPLINK_TEST_POSTGRES_URL");

    private static final long TIMEOUT = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private final int port = AvailablePortFinder.getNextAvailable();
    private final List<DefaultCamelContext> contexts = new ArrayList<>();
    private final List<RawNode> nodes = new ArrayList<>();
    private final List<JdbcConnectionPool> pools = new ArrayList<>();
    private final List<JdbcStore> pgStores = new ArrayList<>();
    private final List<JsonLinesStore> reopenedFiles = new ArrayList<>();
    /** Exchanges each route was given, by route ID. */
    private final Map<String, AtomicInteger> routed = new ConcurrentHashMap<>();

    @AfterEach
    void stopAll() throws IOException {
        for (RawNode n : nodes) {
            n.close();
        }
        for (DefaultCamelContext c : contexts) {
            c.stop();
        }
        reopenedFiles.forEach(JsonLinesStore::stop);
        pools.forEach(JdbcConnectionPool::dispose);
        for (JdbcStore s : pgStores) {
            try (Connection c = s.getDataSource().getConnection(); java.sql.Statement st = c.createStatement()) {
                for (String t : List.of(s.getMessageTable(), s.getEventTable(), s.getProbeTable(),
                        s.getWindowTable())) {
                    st.execute("DROP TABLE IF EXISTS " + t);
                }
            } catch (java.sql.SQLException e) {
                // a test database: left as it is
            }
        }
    }

    private MessageStore newStore(Kind kind, String name) throws Exception {
        if (kind == Kind.FILES) {
            JsonLinesStore s = new JsonLinesStore(dir.resolve(name).toString());
            s.start();
            return s;
        }
        // a pool, as the gateway has: H2 closes a database when its last connection closes
        if (kind == Kind.POSTGRES || kind == Kind.POSTGRES_WINDOW_IN_MEMORY) {
            assumeTrue(POSTGRES_URL != null && !POSTGRES_URL.isBlank(), "ESPLINK_TEST_POSTGRES_URL is not set");
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(POSTGRES_URL);
            // tables of this test alone
            String suffix = name + "_" + Long.toHexString(System.nanoTime());
            JdbcStore s = new JdbcStore(ds);
            s.setMessageTable("t_message_" + suffix);
            s.setEventTable("t_event_" + suffix);
            s.setProbeTable("t_probe_" + suffix);
            s.setWindowTable("t_window_" + suffix);
            s.setWindowInMemory(kind == Kind.POSTGRES_WINDOW_IN_MEMORY);
            s.start();
            pgStores.add(s);
            return s;
        }
        JdbcConnectionPool ds = JdbcConnectionPool.create("jdbc:h2:file:" + dir.resolve(name).resolve("db"), "sa", "");
        pools.add(ds);
        JdbcStore s = new JdbcStore(ds);
        if (kind == Kind.DATABASE_WINDOW_FROM_TABLE) {
            s.setWindowInMemory(false);
        }
        s.start();
        assertThat(s.isWindowsInMemory()).isEqualTo(kind == Kind.DATABASE);
        return s;
    }

    /** A gateway whose route {@code route-i} stores into {@code stores[i]}, failing where {@code fail} says. */
    private DefaultCamelContext gateway(Predicate<String> fail, MessageStore... stores) throws Exception {
        DefaultCamelContext ctx = new DefaultCamelContext();
        contexts.add(ctx);
        for (int i = 0; i < stores.length; i++) {
            ctx.getRegistry().bind("store" + i, stores[i]);
        }
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (int i = 0; i < stores.length; i++) {
                    String id = "route-" + i;
                    from("esplink:127.0.0.1:" + port + "?ackMode=processed&timeout=" + TIMEOUT
                         + "&windowStore=#store" + i).routeId(id)
                            .process(e -> routed.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet())
                            .process(e -> {
                                if (fail.test(id + ":" + e.getMessage().getBody(String.class))) {
                                    throw new IllegalStateException("store " + id + " refuses this one");
                                }
                            })
                            .bean(stores[i], "store");
                }
            }
        });
        ctx.start();
        return ctx;
    }

    private DefaultCamelContext gateway(MessageStore... stores) throws Exception {
        return gateway(x -> false, stores);
    }

    /** Waits until the current gateway no longer has a connection of {@code clientId}. */
    private void awaitGone(String clientId) {
        EspLinkComponent esplink = contexts.get(contexts.size() - 1).getComponent("esplink", EspLinkComponent.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> esplink.getGateways().values().stream()
                .noneMatch(g -> g.connectedClientIds().contains(clientId)));
    }

    private RawNode connect(String clientId) throws IOException {
        RawNode n = new RawNode(port);
        nodes.add(n);
        n.write(clientId + "\n");
        return n;
    }

    /** Sends message {@code mid} and returns the ACK that came back, or null if none did within the wait. */
    private static String send(RawNode n, int mid, String payload) throws IOException {
        n.write(Protocol.hex(mid) + payload + "\n");
        return n.readNonKeepalive(5000);
    }

    /** Sends message {@code mid}, keeps the link up a while and checks that it was not acknowledged meanwhile. */
    private static void assertNotAcked(RawNode n, int mid, String payload) throws IOException {
        n.write(Protocol.hex(mid) + payload + "\n");
        assertThat(n.keepAliveFor(TIMEOUT / 2)).as("no ACK of %s %s", Protocol.hex(mid), payload).isEmpty();
    }

    private static void assertAcked(RawNode n, int mid, String payload) throws IOException {
        assertThat(send(n, mid, payload)).as("ACK of %s %s", Protocol.hex(mid), payload).isEqualTo(Protocol.hex(mid));
    }

    /** The payloads a store holds for {@code clientId}, in the order stored. */
    private static List<String> stored(MessageStore store, String clientId) throws Exception {
        List<String> out = new ArrayList<>();
        if (store instanceof JsonLinesStore files) {
            Path f = files.file(JsonLinesStore.MESSAGES, clientId);
            if (Files.exists(f)) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    JsonNode r = JSON.readTree(line);
                    if (clientId.equals(r.get("clientId").asText())) {
                        out.add(r.get("payload").asText());
                    }
                }
            }
        } else {
            JdbcStore db = (JdbcStore) store;
            try (Connection c = db.getDataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement(
                         "SELECT payload FROM " + db.getMessageTable() + " WHERE client_id = ? ORDER BY id")) {
                ps.setString(1, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Stops the gateway and starts a new one on the same data, with new store objects (as a new process has): what
     * the stores tell the new gateway comes from what they keep on disk, not from the old objects' memory.
     */
    private void restart(MessageStore... stores) throws Exception {
        for (DefaultCamelContext c : contexts) {
            c.stop();
        }
        for (RawNode n : nodes) {
            n.close();
        }
        nodes.clear();
        MessageStore[] reopened = new MessageStore[stores.length];
        for (int i = 0; i < stores.length; i++) {
            reopened[i] = reopen(stores[i]);
        }
        gateway(reopened);
    }

    private MessageStore reopen(MessageStore store) throws Exception {
        if (store instanceof FlakyWindow f) {
            return new FlakyWindow(reopen(f.delegate()), f.failing());
        }
        if (store instanceof JsonLinesStore old) {
            // a crash: the old object is not stopped
            JsonLinesStore s = new JsonLinesStore(old.getDirectory());
            s.start();
            reopenedFiles.add(s);
            return s;
        }
        JdbcStore old = (JdbcStore) store;
        JdbcStore s = new JdbcStore(old.getDataSource());
        s.setMessageTable(old.getMessageTable());
        s.setEventTable(old.getEventTable());
        s.setProbeTable(old.getProbeTable());
        s.setWindowTable(old.getWindowTable());
        s.setWindowInMemory(old.getWindowInMemory());
        s.start();
        assertThat(s.isWindowsInMemory()).isEqualTo(old.isWindowsInMemory());
        return s;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void L10_L11_resendOfAMessageStoredBeforeARestart_isAckedAndNotStoredAgain(Kind kind) throws Exception {
        MessageStore store = newStore(kind, "a");
        gateway(store);
        RawNode n = connect("n1");
        assertAcked(n, 0, "a");
        assertAcked(n, 1, "b"); // stored; say the ACK was lost with the gateway

        restart(store);
        n = connect("n1");
        assertAcked(n, 1, "b"); // the node's resend after the outage
        assertAcked(n, 2, "c");

        assertThat(stored(store, "n1")).containsExactly("a", "b", "c");
        assertThat(routed.get("route-0").get()).as("the resend never reached the route").isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void L10_idZeroIsAlwaysANewMessage_aNodeThatWakesAndSendsTheSameFirstReading_hasEachStored(Kind kind)
            throws Exception {
        // a deep-sleep node: every wake is a restart, its one message ID 0, often with the same reading
        MessageStore store = newStore(kind, "a");
        gateway(store);
        for (int wake = 0; wake < 3; wake++) {
            RawNode n = connect("sleepy");
            assertAcked(n, 0, "door closed");
            n.close();
            awaitGone("sleepy"); // a node that sleeps is seen gone before it wakes (else: a duplicate client, L17)
        }
        restart(store);
        RawNode n = connect("sleepy");
        assertAcked(n, 0, "door closed");
        assertThat(stored(store, "sleepy")).containsExactly("door closed", "door closed", "door closed",
                "door closed");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void L10_nodeRestartedWhileGatewayWasDown_newIdZeroClearsTheStoredWindow(Kind kind) throws Exception {
        MessageStore store = newStore(kind, "a");
        gateway(store);
        RawNode n = connect("n1");
        assertAcked(n, 0, "boot");
        assertAcked(n, 1, "r1");
        assertAcked(n, 2, "r2");

        restart(store);
        n = connect("n1");
        // the node restarted too: ID 0 with a new first message, then IDs it had used before its restart
        assertAcked(n, 0, "boot again");
        assertAcked(n, 1, "s1");
        assertAcked(n, 2, "s2");

        assertThat(stored(store, "n1")).containsExactly("boot", "r1", "r2", "boot again", "s1", "s2");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void L8_L10_windowAcrossTheWrapAt255_survivesARestart(Kind kind) throws Exception {
        MessageStore store = newStore(kind, "a");
        gateway(store);
        RawNode n = connect("n1");
        List<String> expected = new ArrayList<>();
        int[] before = { 0, 250, 251, 252, 253, 254, 255, 1, 2, 3 };
        for (int mid : before) {
            assertAcked(n, mid, "m" + mid);
            expected.add("m" + mid);
        }

        restart(store);
        n = connect("n1");
        assertAcked(n, 3, "m3"); // resend of the newest
        assertAcked(n, 2, "m2"); // and of an older one still in the window
        // the node goes on: 4..255, then 1 and 2 again, which the window must have forgotten by then (L10)
        for (int mid = 4; mid <= 255; mid++) {
            assertAcked(n, mid, "n" + mid);
            expected.add("n" + mid);
        }
        for (int mid = 1; mid <= 2; mid++) {
            assertAcked(n, mid, "w" + mid);
            expected.add("w" + mid);
        }

        assertThat(stored(store, "n1")).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void fanOut_eachStoreRemembersWhatItHolds_resendAfterRestartGoesOnlyToTheStoreThatMissedIt(Kind kind)
            throws Exception {
        MessageStore kept = newStore(kind, "kept");
        MessageStore missed = newStore(kind, "missed");
        // the second store refuses "b": the node gets no ACK, and the gateway goes down before its resend
        gateway(x -> x.equals("route-1:b"), kept, missed);
        RawNode n = connect("n1");
        assertAcked(n, 0, "a");
        assertNotAcked(n, 1, "b"); // no ACK while one store lacks b

        restart(kept, missed);
        routed.clear();
        n = connect("n1");
        assertAcked(n, 1, "b");
        assertAcked(n, 2, "c");

        assertThat(stored(kept, "n1")).containsExactly("a", "b", "c");
        assertThat(stored(missed, "n1")).containsExactly("a", "b", "c");
        assertThat(routed.get("route-0").get()).as("the store that had b was not given it again").isEqualTo(1);
        assertThat(routed.get("route-1").get()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void nodesAreRememberedApart_anotherNodesIdsDoNotHideANewMessage(Kind kind) throws Exception {
        MessageStore store = newStore(kind, "a");
        gateway(store);
        RawNode a = connect("a/1"); // "a/1" and "a_1" share one file name: the records keep them apart
        assertAcked(a, 0, "x0");
        assertAcked(a, 1, "x1");

        restart(store);
        RawNode b = connect("a_1");
        assertAcked(b, 0, "y0");
        assertAcked(b, 1, "y1");

        assertThat(stored(store, "a/1")).containsExactly("x0", "x1");
        assertThat(stored(store, "a_1")).containsExactly("y0", "y1");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void storeUnreadableAfterRestart_messageLeftUnacked_thenStoredOnceWhenReadable(Kind kind) throws Exception {
        MessageStore store = newStore(kind, "a");
        gateway(store);
        RawNode n = connect("n1");
        assertAcked(n, 0, "a");
        assertAcked(n, 1, "b");

        AtomicInteger loads = new AtomicInteger();
        MessageStore flaky = new FlakyWindow(store, () -> loads.incrementAndGet() == 1);
        restart(flaky);
        n = connect("n1");
        assertNotAcked(n, 1, "b"); // not while the store cannot tell whether it has it
        assertAcked(n, 1, "b"); // the node's resend: the store answers now
        assertAcked(n, 2, "c");

        assertThat(stored(store, "n1")).containsExactly("a", "b", "c");
        assertThat(loads.get()).isEqualTo(2);
    }

    /** A store whose window cannot be read while {@code failing} says so. */
    private record FlakyWindow(MessageStore delegate, java.util.function.BooleanSupplier failing)
            implements MessageStore {
        @Override
        public StoredTail load(String clientId) throws Exception {
            if (failing.getAsBoolean()) {
                throw new IOException("store offline");
            }
            return delegate.load(clientId);
        }

        @Override
        public void store(org.apache.camel.Exchange exchange) throws Exception {
            delegate.store(exchange);
        }

        @Override
        public void probe() throws Exception {
            delegate.probe();
        }

        @Override
        public String location() {
            return delegate.location();
        }
    }
}
