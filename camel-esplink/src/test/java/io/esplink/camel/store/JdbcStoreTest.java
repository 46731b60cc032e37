package io.esplink.camel.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
    void storeAndLoad_windowOfOneNode_newestLast_payloadOfANewestIdZero() throws Exception {
        JdbcStore s = new JdbcStore(h2("jdbc:h2:file:" + dir.resolve("db")));
        s.start();
        s.store(message("n1", 0, "boot"));
        assertThat(s.load("n1").messageIds()).containsExactly(0);
        assertThat(s.load("n1").lastPayload()).isEqualTo("boot");
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
