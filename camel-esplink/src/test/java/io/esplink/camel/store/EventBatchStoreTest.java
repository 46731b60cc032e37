package io.esplink.camel.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import io.esplink.camel.EspLinkConstants;
import io.esplink.camel.EspLinkEvent;
import io.esplink.camel.EspLinkMessage;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A batch of connection events (batchEvents) in the ready stores: each event once, in order, as a whole. */
class EventBatchStoreTest {

    private static final long AT = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private final DefaultCamelContext context = new DefaultCamelContext();
    private JdbcConnectionPool pool;

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.dispose();
        }
    }

    private static final List<EspLinkEvent> BATCH = List.of(
            new EspLinkEvent("kitchen", EspLinkEvent.CONNECTED, "connected", "192.0.2.7:50112", 1, AT),
            new EspLinkEvent("hall", EspLinkEvent.CONNECTED, "connected", "192.0.2.8:50113", 1, AT + 1),
            new EspLinkEvent("kitchen", EspLinkEvent.DISCONNECTED, "closed by peer", "192.0.2.7:50112", 1, AT + 2),
            new EspLinkEvent("kitchen", EspLinkEvent.CONNECTED, "connected", "192.0.2.7:50200", 2, AT + 3));

    private Exchange batch(List<?> body) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setBody(body);
        e.getMessage().setHeader(EspLinkConstants.BATCH_SIZE, body.size());
        e.getMessage().setHeader(EspLinkConstants.EVENT_BATCH, body.size());
        return e;
    }

    /** The exchange of one event as a consumer without batchEvents makes it. */
    private Exchange single(EspLinkEvent ev) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setBody(ev.reason());
        e.getMessage().setHeader(EspLinkConstants.CLIENT_ID, ev.clientId());
        e.getMessage().setHeader(EspLinkConstants.EVENT, ev.event());
        e.getMessage().setHeader(EspLinkConstants.EVENT_REASON, ev.reason());
        e.getMessage().setHeader(EspLinkConstants.REMOTE_ADDRESS, ev.remoteAddress());
        e.getMessage().setHeader(EspLinkConstants.CONNECT_COUNT, ev.connectCount());
        e.getMessage().setHeader(EspLinkConstants.MESSAGE_TIMESTAMP, ev.at());
        return e;
    }

    private JdbcStore jdbc() throws Exception {
        pool = JdbcConnectionPool.create("jdbc:h2:file:" + dir.resolve("esplink"), "sa", "");
        JdbcStore s = new JdbcStore(pool);
        s.start();
        return s;
    }

    private List<String> eventRows() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT client_id, event, reason, remote_address, connect_count, at "
                                            + "FROM esplink_event ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4) + " "
                        + rs.getInt(5) + " " + rs.getObject(6, java.time.OffsetDateTime.class).toInstant().toEpochMilli());
            }
        }
        return out;
    }

    @Test
    void jdbc_aBatchOfEvents_isStoredOnceEach_inTheOrderGiven_withEveryField() throws Exception {
        JdbcStore s = jdbc();
        s.store(batch(BATCH));
        assertThat(eventRows()).containsExactly(
                "kitchen CONNECTED connected 192.0.2.7:50112 1 " + AT,
                "hall CONNECTED connected 192.0.2.8:50113 1 " + (AT + 1),
                "kitchen DISCONNECTED closed by peer 192.0.2.7:50112 1 " + (AT + 2),
                "kitchen CONNECTED connected 192.0.2.7:50200 2 " + (AT + 3));
        assertThat(s.eventClientIds()).containsExactly("hall", "kitchen");
        assertThat(s.load("kitchen").messageIds()).as("events are not messages: the window stays empty").isEmpty();
    }

    @Test
    void jdbc_aBatchOfEvents_isOneTransaction_noneStoredWhenOneOfThemCannotBe() throws Exception {
        JdbcStore s = jdbc();
        List<Object> bad = new ArrayList<>(BATCH);
        bad.add(2, "not an event");
        assertThatThrownBy(() -> s.store(batch(bad))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EspLinkEvent");
        assertThat(eventRows()).isEmpty();

        // a database error half way (a reason too long for its column) rolls back the rows before it too
        List<EspLinkEvent> tooLong = new ArrayList<>(BATCH);
        tooLong.set(3, new EspLinkEvent("kitchen", EspLinkEvent.DISCONNECTED, "x".repeat(1001), null, 2, AT + 4));
        assertThatThrownBy(() -> s.store(batch(tooLong))).isInstanceOf(java.sql.SQLException.class);
        assertThat(eventRows()).isEmpty();

        s.store(batch(BATCH));
        assertThat(eventRows()).hasSize(4);
    }

    @Test
    void jsonLines_aBatchOfEvents_isOneLinePerEventInEachNodesFile_theSameLinesAsSingleEventsGive() throws Exception {
        JsonLinesStore batched = new JsonLinesStore(dir.resolve("batched").toString());
        JsonLinesStore singly = new JsonLinesStore(dir.resolve("singly").toString());
        batched.start();
        singly.start();
        try {
            batched.store(batch(BATCH));
            for (EspLinkEvent e : BATCH) {
                singly.store(single(e));
            }
            for (String node : List.of("kitchen", "hall")) {
                Path file = Path.of("events", node + ".jsonl");
                assertThat(Files.readAllLines(dir.resolve("batched").resolve(file))).as(node)
                        .isEqualTo(Files.readAllLines(dir.resolve("singly").resolve(file)));
            }
            List<String> kitchen = Files.readAllLines(dir.resolve("batched/events/kitchen.jsonl"));
            assertThat(kitchen).hasSize(3);
            assertThat(kitchen.get(0)).contains("\"event\":\"CONNECTED\"").contains("\"online\":true");
            assertThat(kitchen.get(1)).contains("\"event\":\"DISCONNECTED\"").contains("\"reason\":\"closed by peer\"");
            assertThat(kitchen.get(2)).contains("\"connectCount\":2").contains("\"remoteAddress\":\"192.0.2.7:50200\"");
            assertThat(Files.readAllLines(dir.resolve("batched/events/hall.jsonl"))).hasSize(1);
            assertThat(dir.resolve("batched/messages/kitchen.jsonl")).doesNotExist();
            assertThat(batched.load("kitchen").messageIds()).isEmpty();
        } finally {
            batched.stop();
            singly.stop();
        }
    }

    @Test
    void jsonLines_aBatchOfSomethingElse_isRefused_andNothingIsWritten() throws Exception {
        JsonLinesStore s = new JsonLinesStore(dir.toString());
        s.start();
        try {
            List<Object> bad = new ArrayList<>(BATCH);
            bad.add(1, 42);
            assertThatThrownBy(() -> s.store(batch(bad))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("EspLinkEvent");
            assertThat(dir.resolve("events/kitchen.jsonl")).doesNotExist();
            // messages in a batch still go to the messages files
            Exchange messages = new DefaultExchange(context);
            messages.getMessage().setBody(List.of(new EspLinkMessage("kitchen", 0, "m", AT, 1, null)));
            s.store(messages);
            assertThat(Files.readAllLines(dir.resolve("messages/kitchen.jsonl"))).hasSize(1);
        } finally {
            s.stop();
        }
    }
}
