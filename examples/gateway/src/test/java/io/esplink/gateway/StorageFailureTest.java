package io.esplink.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.esplink.camel.EspLinkConsumer;
import io.esplink.testing.LogCapture;
import io.esplink.testing.RecordingNode;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Storage failures said plainly and healed by themselves, on a real file system (a small tmpfs): while the data
 * directory is full or read-only nothing is acknowledged, health is DOWN with the cause, and the log says so once per
 * route, not once per message; once space is freed (or the file system writable again) the nodes' resends are stored,
 * each once, and health is UP, without a restart.
 */
class StorageFailureTest extends GatewayTestSupport {

    /** Sends readings until one is not acknowledged within a few timeouts; returns every future sent. */
    private static List<CompletableFuture<Void>> sendUntilOneHangs(RecordingNode n, String prefix) throws Exception {
        return sendUntilOneHangs(n, prefix, "");
    }

    private static List<CompletableFuture<Void>> sendUntilOneHangs(RecordingNode n, String prefix, String padding)
            throws Exception {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            CompletableFuture<Void> f = n.client.send(prefix + i + padding);
            sent.add(f);
            try {
                f.get(4 * TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return sent;
            }
        }
        throw new AssertionError("every reading was acknowledged: the file system never refused a write");
    }

    private List<String> storedPayloads(String clientId) {
        List<String> out = new ArrayList<>();
        for (List<String> row : rows("SELECT payload FROM esplink_message WHERE client_id = ? ORDER BY id", clientId)) {
            out.add(row.get(0));
        }
        return out;
    }

    private List<String> filePayloads(Path dir, String clientId) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("messages").resolve(clientId + ".jsonl"))) {
            out.add(mapper.readTree(line).get("payload").asText());
        }
        return out;
    }

    private static List<String> payloads(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    @Test
    void diskFull_nothingAcked_healthDown_oneWarnPerRoute_thenSpaceFreed_resendsStoredOnce_healthUp()
            throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dataDir.resolve("fs"), 16); LogCapture log = new LogCapture(EspLinkConsumer.class)) {
            startGateway(Map.of("esplink.data.dir", fs.dir.toString()));
            RecordingNode n = node("cellar");
            n.client.send("before").get(10, TimeUnit.SECONDS);

            fs.fill();
            List<CompletableFuture<Void>> sent = sendUntilOneHangs(n, "r");
            await().atMost(WAIT).until(() -> n.client.retransmissions() >= 3);
            var down = get("/health");
            assertThat(down.statusCode()).isEqualTo(503);
            JsonNode h = json(down);
            assertThat(h.get("status").asText()).isEqualTo("DOWN");
            assertThat(h.get("checks").get("esplink-store-esplinkFiles").asText()).startsWith("DOWN")
                    .contains(fs.dir.toString()).contains("No space left on device");
            assertThat(sent.get(sent.size() - 1)).isNotDone();

            fs.free();
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            n.client.send("after").get(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> get("/health").statusCode() == 200);
            assertThat(json(get("/health")).get("database").asText()).isEqualTo("UP");
            assertThat(get("/nodes").statusCode()).as("the database serves the API again").isEqualTo(200);

            List<String> expected = new ArrayList<>(List.of("before"));
            expected.addAll(payloads("r", sent.size()));
            expected.add("after");
            assertThat(storedPayloads("cellar")).as("database, each once, in order").containsExactlyElementsOf(expected);
            assertThat(filePayloads(fs.dir, "cellar")).as("files, each once, in order")
                    .containsExactlyElementsOf(expected);
            // at most one WARN per route for the whole outage, whatever the number of resends
            assertThat(log.messages(Level.WARN)).hasSizeBetween(1, 2)
                    .allSatisfy(m -> assertThat(m).contains("No space left on device"));
            assertThat(log.messages(Level.INFO)).allSatisfy(m -> assertThat(m).contains("succeeds again"));
        }
    }

    @Test
    void diskFullUnderTheDatabase_databaseDown_thenSpaceFreed_itRecoversWithoutARestart_everyMessageOnce()
            throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dataDir.resolve("fs"), 16)) {
            startGateway(Map.of("esplink.data.dir", fs.dir.toString(), Gateway.ROUTES, "esplink-to-database"));
            RecordingNode n = node("vault");
            n.client.send("before").get(10, TimeUnit.SECONDS);

            fs.fill();
            // H2 may still have room inside its file: big readings make it grow
            String padding = "x".repeat(8000);
            List<CompletableFuture<Void>> sent = sendUntilOneHangs(n, "r", padding);
            await().atMost(WAIT).until(() -> n.client.retransmissions() >= 3);
            JsonNode h = json(get("/health"));
            assertThat(h.get("database").asText()).startsWith("DOWN").contains("No space left on device");
            assertThat(h.get("checks").get("consumer:esplink-to-database").asText()).startsWith("DOWN");

            fs.free();
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> get("/health").statusCode() == 200);
            List<String> expected = new ArrayList<>(List.of("before"));
            for (int i = 0; i < sent.size(); i++) {
                expected.add("r" + i + padding);
            }
            assertThat(storedPayloads("vault")).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void dataDirectoryReadOnly_filesRefuse_healthDown_thenWritableAgain_resendsStoredOnce_healthUp()
            throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dataDir.resolve("fs"), 8); LogCapture log = new LogCapture(EspLinkConsumer.class)) {
            // the database elsewhere: H2 keeps its file open, and Linux refuses to make such a mount read-only
            startGateway(Map.of("esplink.data.dir", fs.dir.toString(),
                    "esplink.db.url", "jdbc:h2:file:" + dataDir.resolve("db").resolve("esplink")));
            RecordingNode n = node("attic");
            n.client.send("before").get(10, TimeUnit.SECONDS);

            fs.remount(true);
            CompletableFuture<Void> sent = n.client.send("while read-only");
            await().atMost(WAIT).until(() -> n.client.retransmissions() >= 3);
            assertThat(sent).isNotDone();
            var down = get("/health");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(json(down).get("checks").toString()).contains("Read-only file system");

            fs.remount(false);
            sent.get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> get("/health").statusCode() == 200);

            assertThat(filePayloads(fs.dir, "attic")).containsExactly("before", "while read-only");
            assertThat(storedPayloads("attic")).containsExactly("before", "while read-only");
            assertThat(log.messages(Level.WARN)).singleElement().asString().contains("esplink-to-files")
                    .contains("Read-only file system");
        }
    }
}
