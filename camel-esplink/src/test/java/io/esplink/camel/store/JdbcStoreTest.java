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
    void storeAndLoad_windowOfOneNode_newestLast() throws Exception {
        JdbcStore s = new JdbcStore(h2("jdbc:h2:file:" + dir.resolve("db")));
        s.start();
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
}
