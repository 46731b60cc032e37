package io.esplink.gateway;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.core.NodeView;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The status page's monitor driven by hand: a synthetic fleet, a clock of our own, ticks called directly. */
class FleetMonitorTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final Map<String, NodeView> fleet = new TreeMap<>();
    private final List<String[]> sent = new ArrayList<>();
    private final FleetMonitor monitor = new FleetMonitor(() -> List.copyOf(fleet.values()), List.of("cellar"),
            clock::get);

    private static NodeView node(String id, boolean up, int connects, long in, long out) {
        Instant t = Instant.ofEpochMilli(1_700_000_000_000L);
        return new NodeView(id, up, up ? t : null, up ? null : t, up ? null : "timeout", "192.0.2.1:4000", connects,
                in > 0 ? t : null, in, 0, out, 0, 0, 0, 0, 0, null);
    }

    private void subscribe() {
        monitor.subscribe((event, json) -> sent.add(new String[] {event, json}));
    }

    private List<JsonNode> events(String name) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String[] e : sent) {
            if (e[0].equals(name)) {
                out.add(mapper.readTree(e[1]));
            }
        }
        return out;
    }

    private void tick(long ms) {
        clock.addAndGet(ms);
        monitor.tick();
    }

    @Test
    void aSnapshotThenOneBatchASecondWithOnlyTheChangedRows() throws Exception {
        for (int i = 0; i < 100; i++) {
            fleet.put("n" + i, node("n" + i, true, 1, 0, 0));
        }
        tick(1000);
        subscribe();
        JsonNode snapshot = events("snapshot").get(0);
        assertThat(snapshot.get("rows")).hasSize(101); // and the expected node that never came
        assertThat(snapshot.get("rows").get(0).get("id").asText()).isEqualTo("cellar");
        assertThat(snapshot.get("rows").get(0).get("state").asText()).isEqualTo("never");

        tick(1000);
        assertThat(events("rows")).as("nothing changed, nothing sent").isEmpty();

        fleet.put("n7", node("n7", true, 1, 3, 0));
        fleet.put("n8", node("n8", false, 1, 0, 0));
        tick(1000);
        List<JsonNode> deltas = events("rows");
        assertThat(deltas).hasSize(1);
        assertThat(deltas.get(0).get("rows")).hasSize(2);
        assertThat(deltas.get(0).get("rows").get(0).get("id").asText()).isEqualTo("n7");
        assertThat(deltas.get(0).get("rows").get(0).get("in").asLong()).isEqualTo(3);
        assertThat(deltas.get(0).get("rows").get(1).get("state").asText()).isEqualTo("down");
        assertThat(deltas.get(0).get("rows").get(1).get("reason").asText()).isEqualTo("timeout");
    }

    @Test
    void reconnectsCountForAnHourAndNotTheFirstConnection() throws Exception {
        fleet.put("a", node("a", true, 1, 0, 0));
        tick(1000);
        subscribe();
        assertThat(events("snapshot").get(0).get("rows").get(0).get("reconnects1h").asInt()).isZero();

        fleet.put("a", node("a", true, 4, 0, 0)); // three reconnects since the last tick
        tick(1000);
        assertThat(lastRow("a").get("reconnects1h").asInt()).isEqualTo(3);

        tick(30 * 60_000);
        fleet.put("a", node("a", true, 5, 0, 0));
        tick(1000);
        assertThat(lastRow("a").get("reconnects1h").asInt()).isEqualTo(4);

        tick(31 * 60_000); // the first three are over an hour old
        assertThat(lastRow("a").get("reconnects1h").asInt()).isEqualTo(1);
        fleet.remove("a"); // forgotten by the server: the row stays, and its count still ages
        tick(30 * 60_000);
        assertThat(lastRow("a").get("reconnects1h").asInt()).isZero();
        assertThat(lastRow("a").get("connects").asInt()).isEqualTo(5);
    }

    @Test
    void samplesAreRatesOfTheWholeFleetKeptForAnHour() throws Exception {
        fleet.put("a", node("a", true, 1, 0, 0));
        fleet.put("b", node("b", false, 1, 0, 0));
        tick(1000);
        subscribe();
        for (int s = 1; s <= 10; s++) {
            fleet.put("a", node("a", true, 1, 50L * s, 5L * s)); // 50 in and 5 out per sample
            tick(FleetMonitor.SAMPLE_MS);
        }
        List<JsonNode> samples = events("sample");
        assertThat(samples).hasSize(10);
        assertThat(samples.get(9).get("in").asDouble()).isEqualTo(10.0);
        assertThat(samples.get(9).get("out").asDouble()).isEqualTo(1.0);
        assertThat(samples.get(9).get("connected").asInt()).isEqualTo(1);

        // a node the server forgot that comes back counts from zero, not backwards
        fleet.put("a", node("a", true, 1, 5, 0));
        tick(FleetMonitor.SAMPLE_MS);
        assertThat(events("sample").get(10).get("in").asDouble()).isEqualTo(1.0);

        for (int s = 0; s < FleetMonitor.HISTORY + 10; s++) {
            tick(FleetMonitor.SAMPLE_MS);
        }
        FleetMonitor.History h = monitor.history();
        assertThat(h.t()).hasSize(FleetMonitor.HISTORY);
        assertThat(h.t()[h.t().length - 1] - h.t()[0]).isEqualTo((FleetMonitor.HISTORY - 1) * FleetMonitor.SAMPLE_MS);
    }

    @Test
    void theLastMessageIsTheServersPreview_andOutlivesTheSession() throws Exception {
        Instant t = Instant.ofEpochMilli(1_700_000_000_000L);
        fleet.put("a", new NodeView("a", true, t, null, null, "192.0.2.1:4000", 1, t, 1, 0, 0, 0, 0, 0, 0, 0,
                "{\"t\":21.5}"));
        tick(1000);
        fleet.remove("a"); // forgotten by the server
        tick(1000);
        // back, in a new session that has not sent yet: the row keeps the last message it showed
        fleet.put("a", new NodeView("a", true, t, null, null, "192.0.2.1:4001", 1, null, 0, 0, 0, 0, 0, 0, 0, 0,
                null));
        tick(1000);
        subscribe();
        JsonNode row = events("snapshot").get(0).get("rows").get(0);
        assertThat(row.get("last").asText()).isEqualTo("{\"t\":21.5}");
    }

    @Test
    void aStreamThatRefusesIsDropped() {
        fleet.put("a", node("a", true, 1, 0, 0));
        tick(1000);
        List<String> got = new ArrayList<>();
        monitor.subscribe((event, json) -> got.add(event) && got.size() < 2);
        assertThat(monitor.subscribers()).isEqualTo(1);
        fleet.put("a", node("a", true, 1, 1, 0));
        tick(1000); // refused
        fleet.put("a", node("a", true, 1, 2, 0));
        tick(1000);
        assertThat(got).containsExactly("snapshot", "rows");
        assertThat(monitor.subscribers()).isZero();
    }

    private JsonNode lastRow(String id) throws Exception {
        JsonNode found = null;
        for (JsonNode d : events("rows")) {
            for (JsonNode r : d.get("rows")) {
                if (r.get("id").asText().equals(id)) {
                    found = r;
                }
            }
        }
        return found;
    }
}
