package io.esplink.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;

/** esplink-to-database and esplink-to-files run alone, together: both store every message once. */
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
}
