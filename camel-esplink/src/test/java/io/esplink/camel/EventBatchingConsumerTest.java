package io.esplink.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.esplink.camel.store.JdbcStore;
import io.esplink.camel.store.JsonLinesStore;
import io.esplink.testing.LogCapture;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.logging.log4j.Level;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * batchEvents: connection events in batches (a List of EspLinkEvent per exchange), apart from the message batches,
 * in the order they happened; a failed batch is lost and reported as a failed event is; the ready stores keep each
 * event once.
 */
class EventBatchingConsumerTest extends EspLinkTestSupport {

    private static final long TIMEOUT = 300;

    /** The event batches, each as the route saw it. */
    private final List<List<EspLinkEvent>> eventBatches = new CopyOnWriteArrayList<>();
    private final List<List<EspLinkMessage>> messageBatches = new CopyOnWriteArrayList<>();
    private final List<String> wrongHeaders = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    /** Records event and message batches apart, and any exchange whose headers do not fit its body. */
    private void record(Exchange e) {
        List<?> body = e.getMessage().getBody(List.class);
        Integer eventBatch = e.getMessage().getHeader(EspLinkConstants.EVENT_BATCH, Integer.class);
        Integer size = e.getMessage().getHeader(EspLinkConstants.BATCH_SIZE, Integer.class);
        if (size == null || size != body.size()) {
            wrongHeaders.add("batch size " + size + " for " + body);
        }
        if (!body.isEmpty() && body.stream().allMatch(EspLinkEvent.class::isInstance)) {
            if (eventBatch == null || eventBatch != body.size()) {
                wrongHeaders.add("event batch header " + eventBatch + " for " + body);
            }
            eventBatches.add(body.stream().map(EspLinkEvent.class::cast).toList());
        } else if (!body.isEmpty() && body.stream().allMatch(EspLinkMessage.class::isInstance)) {
            if (eventBatch != null) {
                wrongHeaders.add("event batch header on messages " + body);
            }
            messageBatches.add(body.stream().map(EspLinkMessage.class::cast).toList());
        } else {
            wrongHeaders.add("a batch of neither or both: " + body);
        }
        if (e.getMessage().getHeader(EspLinkConstants.EVENT) != null) {
            wrongHeaders.add("a single event's header on a batch");
        }
    }

    private List<EspLinkEvent> eventsOf(String clientId) {
        return eventBatches.stream().flatMap(List::stream).filter(e -> e.clientId().equals(clientId)).toList();
    }

    @Test
    void eventsOfANode_comeInTheOrderTheyHappened_acrossBatches_apartFromItsMessages() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=" + TIMEOUT + "&events=true&batching=true&batchEvents=true&maxBatchSize=2"
                             + "&batchingIntervalMs=20"))
                        .process(EventBatchingConsumerTest.this::record);
            }
        });
        TestNode n = upNode("n1", TIMEOUT);
        n.client.send("m0").get(10, TimeUnit.SECONDS);
        n.client.dropLink();
        await().atMost(WAIT).until(() -> n.client.connects() >= 2 && n.client.isUp());
        n.client.send("m1").get(10, TimeUnit.SECONDS);
        n.client.dropLink();
        await().atMost(WAIT).until(() -> n.client.connects() >= 3 && n.client.isUp());
        await().atMost(WAIT).until(() -> eventsOf("n1").size() >= 5);

        List<EspLinkEvent> events = eventsOf("n1");
        assertThat(events).extracting(e -> e.event() + " " + e.connectCount()).containsExactly("CONNECTED 1",
                "DISCONNECTED 1", "CONNECTED 2", "DISCONNECTED 2", "CONNECTED 3");
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).at()).as("time of event " + i).isGreaterThanOrEqualTo(events.get(i - 1).at());
        }
        assertThat(events).allSatisfy(e -> assertThat(e.remoteAddress()).startsWith("127.0.0.1:"));
        assertThat(events.get(0).reason()).isEqualTo("connected");
        assertThat(events.get(0).connected()).isTrue();
        assertThat(events.get(1).connected()).isFalse();
        assertThat(events.get(1).reason()).isNotBlank().isNotEqualTo("connected");
        assertThat(eventBatches).as("at most maxBatchSize events a batch").allSatisfy(b -> assertThat(b).hasSizeBetween(1, 2));
        await().atMost(WAIT).until(() -> messageBatches.stream().mapToLong(List::size).sum() >= 2);
        assertThat(messageBatches.stream().flatMap(List::stream).map(EspLinkMessage::payload))
                .containsExactly("m0", "m1");
        assertThat(wrongHeaders).isEmpty();
    }

    @Test
    void aBatchMixesNodes_andHoldsEachConnectOnce() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=1000&events=true&messages=true&batching=true&batchEvents=true"
                             + "&maxBatchSize=1000&batchingIntervalMs=200"))
                        .process(EventBatchingConsumerTest.this::record);
            }
        });
        int count = 30;
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(node("node-" + i, 1000)); // all at once, not one after the other
        }
        nodes.forEach(TestNode::awaitUp);
        await().atMost(WAIT).until(() -> eventBatches.stream().mapToLong(List::size).sum() >= count);

        List<EspLinkEvent> all = eventBatches.stream().flatMap(List::stream).toList();
        assertThat(all).hasSize(count).allSatisfy(e -> {
            assertThat(e.event()).isEqualTo(EspLinkEvent.CONNECTED);
            assertThat(e.connectCount()).isEqualTo(1);
        });
        assertThat(all.stream().map(EspLinkEvent::clientId).collect(Collectors.toSet()))
                .isEqualTo(nodes.stream().map(n -> n.client.clientId()).collect(Collectors.toSet()));
        assertThat(eventBatches).as("fewer exchanges than connects").hasSizeLessThan(count);
        assertThat(eventBatches).anyMatch(b -> b.stream().map(EspLinkEvent::clientId).distinct().count() > 1);
        assertThat(wrongHeaders).isEmpty();
    }

    @Test
    void aFailedEventBatch_isLostAndReportedOnce_asAFailedEventIs_andTheNextBatchGoesThrough() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=" + TIMEOUT + "&events=true&messages=false&batching=true&batchEvents=true"
                             + "&batchingIntervalMs=10")).routeId("events")
                        .process(e -> {
                            if (calls.incrementAndGet() == 1) {
                                throw new java.io.IOException("No space left on device");
                            }
                            record(e);
                        });
            }
        });
        try (LogCapture log = new LogCapture(EspLinkConsumer.class)) {
            upNode("a", TIMEOUT);
            await().atMost(WAIT).until(() -> calls.get() == 1);
            await().atMost(WAIT).until(() -> !log.messages(Level.WARN).isEmpty());
            assertThat(log.messages(Level.WARN)).singleElement().asString()
                    .contains("Route events failed on a batch of 1 event(s)").contains("No space left on device")
                    .contains("They are lost (events are not resent)");
            EspLinkConsumer consumer = (EspLinkConsumer) context.getRoute("events").getConsumer();
            assertThat(consumer.isRouteFailing()).isTrue();

            upNode("b", TIMEOUT);
            await().atMost(WAIT).until(() -> !eventsOf("b").isEmpty());
            await().atMost(WAIT).until(() -> !consumer.isRouteFailing());
            assertThat(eventsOf("a")).as("a lost batch is not delivered again").isEmpty();
            assertThat(eventsOf("b")).extracting(EspLinkEvent::event).containsExactly(EspLinkEvent.CONNECTED);
            assertThat(log.messages(Level.INFO)).singleElement().asString().contains("Route events succeeds again");
            assertThat(consumer.getRouteFailuresTotal()).isEqualTo(1);
            assertThat(consumer.isBatchEvents()).isTrue();
        }
    }

    @Test
    void eventsThatGetThrough_doNotClearTheRoutesFailureOnMessages() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=" + TIMEOUT + "&events=true&batching=true&batchEvents=true&eventSettleMs=0"
                             + "&batchingIntervalMs=10")).routeId("mixed")
                        .process(e -> {
                            if (e.getMessage().getHeader(EspLinkConstants.EVENT_BATCH) == null) {
                                throw new java.io.IOException("the messages' file is a directory");
                            }
                            record(e);
                        });
            }
        });
        EspLinkConsumer consumer = (EspLinkConsumer) context.getRoute("mixed").getConsumer();
        TestNode a = upNode("a", TIMEOUT);
        await().atMost(WAIT).until(() -> !eventsOf("a").isEmpty());
        a.client.send("m0").get(10, TimeUnit.SECONDS); // ackMode=received: ACKed, then the route fails on it, once
        await().atMost(WAIT).until(consumer::isRouteFailing);

        upNode("b", TIMEOUT);
        await().atMost(WAIT).until(() -> !eventsOf("b").isEmpty()); // an event batch got through
        assertThat(consumer.isRouteFailing()).as("still failing on messages").isTrue();
        assertThat(consumer.getLastRouteFailure()).contains("the messages' file is a directory");
    }

    @Test
    void eventsOfNodesConnectingAtOnce_goOnceTheConnectsSettled_notWhileNodesStillConnect() throws Exception {
        long settleMs = 1000;
        List<Long> processedAt = new CopyOnWriteArrayList<>();
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=1000&events=true&messages=false&batching=true&batchEvents=true"
                             + "&maxBatchSize=1000&eventSettleMs=" + settleMs + "&eventMaxDelayMs=60000"))
                        .process(e -> {
                            processedAt.add(System.currentTimeMillis());
                            record(e);
                        });
            }
        });
        int count = 30;
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(node("storm-" + i, 1000));
        }
        nodes.forEach(TestNode::awaitUp);
        await().atMost(WAIT).until(() -> eventBatches.stream().mapToLong(List::size).sum() >= count);

        for (int b = 0; b < eventBatches.size(); b++) {
            long newest = eventBatches.get(b).stream().mapToLong(EspLinkEvent::at).max().orElseThrow();
            assertThat(processedAt.get(b)).as("batch %d went after no event came for %d ms", b, settleMs)
                    .isGreaterThanOrEqualTo(newest + settleMs);
        }
        assertThat(eventBatches.stream().flatMap(List::stream).map(EspLinkEvent::clientId).distinct()).hasSize(count);
        assertThat(wrongHeaders).isEmpty();
    }

    @Test
    void eventsStillWaitingWhenTheRouteStops_areProcessed_notDropped() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=" + TIMEOUT + "&events=true&messages=false&batching=true&batchEvents=true"
                             + "&eventSettleMs=600000&eventMaxDelayMs=600000")).routeId("events")
                        .process(EventBatchingConsumerTest.this::record);
            }
        });
        upNode("late", TIMEOUT);
        EspLinkConsumer consumer = (EspLinkConsumer) context.getRoute("events").getConsumer();
        assertThat(eventBatches).as("the event waits for the settle time (ten minutes)").isEmpty();
        context.getRouteController().stopRoute("events");
        assertThat(eventsOf("late")).extracting(EspLinkEvent::event).startsWith(EspLinkEvent.CONNECTED);
        assertThat(consumer.isRouteFailing()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"maxBatchSize=0", "batchingIntervalMs=-1", "eventSettleMs=-1", "eventMaxDelayMs=-5"})
    void batchSettingsOutOfRange_failAtStart_namingThem(String option) {
        assertThatThrownBy(() -> start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("events=true&batching=true&batchEvents=true&" + option)).to("mock:never");
            }
        })).hasStackTraceContaining("maxBatchSize must be at least 1 and batchingIntervalMs, eventSettleMs and "
                                    + "eventMaxDelayMs at least 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"events=true&batchEvents=true", "batching=true&batchEvents=true",
                            "batchEvents=true"})
    void batchEvents_withoutEventsAndBatching_failsAtStart_sayingWhatItNeeds(String options) {
        assertThatThrownBy(() -> start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink(options)).to("mock:never");
            }
        })).hasStackTraceContaining("batchEvents=true needs events=true and batching=true");
    }

    @Test
    void connectsAndDisconnectsOfManyNodes_areStoredOnceEach_inH2AndInJsonLines_inTheOrderTheyHappened()
            throws Exception {
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:file:" + dir.resolve("db/esplink"), "sa", "");
        JsonLinesStore files = new JsonLinesStore(dir.resolve("files").toString());
        try {
            JdbcStore database = new JdbcStore(pool);
            database.start();
            files.start();
            context.getRegistry().bind("database", database);
            context.getRegistry().bind("files", files);
            String options = "timeout=" + TIMEOUT + "&ackMode=processed&events=true&batching=true&batchEvents=true"
                             + "&batchingIntervalMs=20";
            start(new RouteBuilder() {
                @Override
                public void configure() {
                    from(esplink(options + "&windowStore=#database")).bean("database", "store");
                    from(esplink(options + "&windowStore=#files")).bean("files", "store");
                }
            });
            int count = 20;
            List<TestNode> nodes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                nodes.add(node("n" + i, TIMEOUT));
            }
            nodes.forEach(TestNode::awaitUp);
            TestNode first = nodes.get(0);
            first.client.dropLink();
            await().atMost(WAIT).until(() -> first.client.connects() >= 2 && first.client.isUp());

            int expected = count + 2; // every connect, and n0's disconnect and reconnect
            await().atMost(WAIT).until(() -> rows(pool).size() == expected);
            await().atMost(WAIT).until(() -> eventLines(dir.resolve("files/events")).values().stream()
                    .mapToInt(List::size).sum() == expected);

            List<String> rows = rows(pool);
            assertThat(new HashSet<>(rows)).as("each event once").hasSize(expected);
            assertThat(rows.stream().filter(r -> r.startsWith("n0 "))).containsExactly("n0 CONNECTED 1",
                    "n0 DISCONNECTED 1", "n0 CONNECTED 2");
            Map<String, List<String>> lines = eventLines(dir.resolve("files/events"));
            for (int i = 1; i < count; i++) {
                assertThat(lines.get("n" + i)).as("n" + i).singleElement().asString()
                        .contains("\"clientId\":\"n" + i + "\"").contains("\"event\":\"CONNECTED\"")
                        .contains("\"online\":true").contains("\"connectCount\":1");
            }
            assertThat(lines.get("n0")).hasSize(3);
            assertThat(lines.get("n0").get(1)).contains("\"event\":\"DISCONNECTED\"").contains("\"online\":false");
            assertThat(lines.get("n0").get(2)).contains("\"event\":\"CONNECTED\"").contains("\"connectCount\":2");
        } finally {
            context.stop();
            files.stop();
            pool.dispose();
        }
    }

    /** The stored events, in the order of their IDs: "clientId EVENT connectCount". */
    private static List<String> rows(JdbcConnectionPool pool) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT client_id, event, connect_count FROM esplink_event ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3));
            }
        }
        return out;
    }

    /** The lines of each node's events file, by node. */
    private static Map<String, List<String>> eventLines(Path eventsDir) throws Exception {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        if (!Files.isDirectory(eventsDir)) {
            return out;
        }
        Set<Path> files;
        try (var list = Files.list(eventsDir)) {
            files = list.collect(Collectors.toSet());
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            out.put(name.substring(0, name.length() - ".jsonl".length()), Files.readAllLines(f));
        }
        return out;
    }
}
