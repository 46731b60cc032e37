package io.esplink.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * esplink-to-database and esplink-to-files: both store every message once, and a message is acknowledged to the node
 * only once stored, so a store that fails loses nothing (the node resends).
 */
class StorageRoutesTest extends RouteFileTestSupport {

    @TempDir
    Path dir;

    @Test
    void databaseAndFiles_runTogether_eachStoresEveryMessageOnce_andAckWaitsForBoth() throws Exception {
        props.put("esplink.data.dir", dir.toString());
        props.put("esplink.db.url", "jdbc:h2:file:" + dir.resolve("db") + "/esplink");
        run("esplink-to-database", "esplink-to-files");
        RecordingNode n = node("weird/../id");
        for (int i = 1; i <= 3; i++) {
            n.client.send("m" + i).get(10, TimeUnit.SECONDS);
        }

        DataSource ds = context.getRegistry().lookupByNameAndType("esplinkDataSource", DataSource.class);
        List<String> payloads = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT client_id, payload FROM esplink_message ORDER BY id")) {
            while (rs.next()) {
                assertThat(rs.getString(1)).isEqualTo("weird/../id");
                payloads.add(rs.getString(2));
            }
        }
        assertThat(payloads).containsExactly("m1", "m2", "m3");
        // the file name is made safe; the record keeps the real ID
        Path file = dir.resolve("messages/weird_.._id.jsonl");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        assertThat(new ObjectMapper().readTree(lines.get(2)).get("clientId").asText()).isEqualTo("weird/../id");
        try (var files = Files.list(dir.resolve("messages"))) {
            assertThat(files).hasSize(1);
        }
    }

    @Test
    void databaseUnavailable_nodeKeepsTheMessage_andItIsStoredOnceWhenTheDatabaseIsBack() throws Exception {
        props.put("esplink.db.url", "jdbc:h2:file:" + dir.resolve("db") + "/esplink");
        run("esplink-to-database");
        DataSource ds = context.getRegistry().lookupByNameAndType("esplinkDataSource", DataSource.class);
        await().atMost(WAIT).until(() -> count(ds, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                                                   + "WHERE TABLE_NAME = 'ESPLINK_MESSAGE'") == 1);
        RecordingNode n = node("cellar");
        execute(ds, "ALTER TABLE esplink_message RENAME TO esplink_message_away"); // every insert now fails

        CompletableFuture<Void> sent = n.client.send("kept");
        await().atMost(WAIT).until(() -> n.client.retransmissions() >= 2);
        assertThat(sent).as("not acknowledged while it cannot be stored").isNotDone();

        execute(ds, "ALTER TABLE esplink_message_away RENAME TO esplink_message");
        sent.get(10, TimeUnit.SECONDS);
        assertThat(count(ds, "SELECT COUNT(*) FROM esplink_message WHERE payload = 'kept'")).isEqualTo(1);
    }

    @Test
    void fileCannotBeWritten_nodeKeepsTheMessage_andItIsWrittenOnceWhenTheFileCanBe() throws Exception {
        props.put("esplink.data.dir", dir.toString());
        run("esplink-to-files");
        RecordingNode n = node("loft");
        Path file = dir.resolve("messages/loft.jsonl");
        Files.createDirectories(file); // a directory where the file should be: every append fails

        CompletableFuture<Void> sent = n.client.send("kept");
        await().atMost(WAIT).until(() -> n.client.retransmissions() >= 2);
        assertThat(sent).as("not acknowledged while it cannot be written").isNotDone();

        Files.delete(file);
        sent.get(10, TimeUnit.SECONDS);
        assertThat(Files.readAllLines(file)).hasSize(1)
                .allSatisfy(line -> assertThat(new ObjectMapper().readTree(line).get("payload").asText()).isEqualTo("kept"));
    }

    private static long count(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void execute(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
