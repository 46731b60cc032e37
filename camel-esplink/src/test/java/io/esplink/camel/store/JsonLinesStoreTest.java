package io.esplink.camel.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.esplink.camel.EspLinkConstants;
import io.esplink.core.StoredTail;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JSON-lines store: one synced line per record, torn last lines cut, the node's window read back. */
class JsonLinesStoreTest {

    @TempDir
    Path dir;
    private final DefaultCamelContext context = new DefaultCamelContext();

    private Exchange message(String clientId, int mid, String payload) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setHeader(EspLinkConstants.CLIENT_ID, clientId);
        e.getMessage().setHeader(EspLinkConstants.MESSAGE_ID, mid);
        e.getMessage().setHeader(EspLinkConstants.MESSAGE_TIMESTAMP, 1_700_000_000_000L);
        e.getMessage().setBody(payload);
        return e;
    }

    private JsonLinesStore started() throws Exception {
        JsonLinesStore s = new JsonLinesStore(dir.toString());
        s.start();
        return s;
    }

    @Test
    void storeAppendsOneLinePerRecord_messagesAndEventsInTheirOwnFiles() throws Exception {
        JsonLinesStore s = started();
        s.store(message("kitchen", 0, "{\"t\":21.5}"));
        s.store(message("kitchen", 1, "plain text"));
        Exchange ev = message("kitchen", 0, "connected");
        ev.getMessage().removeHeader(EspLinkConstants.MESSAGE_ID);
        ev.getMessage().setHeader(EspLinkConstants.EVENT, "CONNECTED");
        s.store(ev);

        List<String> lines = Files.readAllLines(dir.resolve("messages/kitchen.jsonl"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"messageId\":0").contains("\"payload\":\"{\\\"t\\\":21.5}\"");
        assertThat(Files.readAllLines(dir.resolve("events/kitchen.jsonl"))).singleElement().asString()
                .contains("\"event\":\"CONNECTED\"");
    }

    @Test
    void tornLastLineLeftByACrash_isCutBeforeTheNextAppend_andIgnoredByTheWindow() throws Exception {
        JsonLinesStore first = started();
        first.store(message("n1", 0, "a"));
        first.store(message("n1", 1, "b"));
        Path file = dir.resolve("messages/n1.jsonl");
        // a crash in the middle of the next write: part of a line, no newline
        Files.write(file, "{\"receivedAt\":\"2026-11-25T10:00:00Z\",\"clientId\":\"n1\",\"messageId\":2,\"pay"
                .getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);

        JsonLinesStore restarted = started();
        assertThat(restarted.load("n1").messageIds()).containsExactly(0, 1);
        restarted.store(message("n1", 2, "c"));

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
        assertThat(lines.get(2)).contains("\"payload\":\"c\"");
    }

    @Test
    void windowIsReadFromTheLast256RecordsOfThatNode_newestLast() throws Exception {
        JsonLinesStore s = started();
        for (int i = 0; i < 300; i++) {
            int mid = i == 0 ? 0 : (i - 1) % 255 + 1;
            s.store(message("n1", mid, "p" + i));
            s.store(message("n_1", 7, "other node, same file name? no: n_1 is its own name"));
        }
        StoredTail tail = s.load("n1");
        assertThat(tail.messageIds()).hasSize(256);
        assertThat(tail.messageIds()[255]).isEqualTo(299 % 255 == 0 ? 255 : (299 - 1) % 255 + 1);
        assertThat(s.load("nobody")).isSameAs(StoredTail.EMPTY);
    }

    @Test
    void startFailsNamingTheDirectory_whenAFileStandsWhereTheDirectoryMustBe() throws Exception {
        Path blocked = dir.resolve("data");
        Files.writeString(blocked, "not a directory");
        JsonLinesStore s = new JsonLinesStore(blocked.toString());
        assertThatThrownBy(s::start).isInstanceOf(StoreUnavailableException.class).hasMessageContaining(blocked.toString());
    }

    @Test
    void storeFailsNamingTheFile_whenItCannotBeWritten_andWorksAgainOnceItCan() throws Exception {
        JsonLinesStore s = started();
        Path file = dir.resolve("messages/n1.jsonl");
        Files.createDirectory(file); // a directory where the file must go
        assertThatThrownBy(() -> s.store(message("n1", 0, "a"))).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString());
        Files.delete(file);
        s.store(message("n1", 0, "a"));
        assertThat(Files.readAllLines(file)).hasSize(1);
    }
}
