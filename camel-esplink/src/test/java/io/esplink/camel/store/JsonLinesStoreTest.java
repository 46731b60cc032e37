package io.esplink.camel.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.esplink.camel.EspLinkConstants;
import io.esplink.camel.EspLinkMessage;
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
        assertThat(lines.get(0)).contains("\"messageId\":0").contains("\"payload\":{\"t\":21.5}");
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

    private Exchange batch(EspLinkMessage... messages) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setBody(List.of(messages));
        return e;
    }

    private static EspLinkMessage m(String clientId, int mid, String payload) {
        return new EspLinkMessage(clientId, mid, payload, 1_700_000_000_000L + mid, 1, "127.0.0.1:5000");
    }

    @Test
    void aCrashBetweenTheJournalAndTheNodeFiles_isRepairedAtStart_eachRecordOnceInOrder() throws Exception {
        JsonLinesStore crashed = new JsonLinesStore(dir.toString());
        crashed.setCheckpointEveryMs(3_600_000);
        crashed.start();
        crashed.store(batch(m("n1", 1, "a"), m("n2", 1, "x"), m("n1", 2, "b"), m("n1", 3, "c"), m("n2", 2, "y")));
        Path n1 = dir.resolve("messages/n1.jsonl");
        Path n2 = dir.resolve("messages/n2.jsonl");
        // the crash came while the node files were written: n1 got only its first record, n2 a torn second one
        List<String> n1Lines = Files.readAllLines(n1);
        Files.write(n1, List.of(n1Lines.get(0)));
        List<String> n2Lines = Files.readAllLines(n2);
        Files.writeString(n2, n2Lines.get(0) + "\n" + n2Lines.get(1).substring(0, 20));
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).anyMatch(f -> f.startsWith("journal-"));

        JsonLinesStore restarted = started();
        assertThat(Files.readAllLines(n1)).containsExactlyElementsOf(n1Lines);
        assertThat(Files.readAllLines(n2)).containsExactlyElementsOf(n2Lines);
        assertThat(restarted.load("n1").messageIds()).containsExactly(1, 2, 3);
        restarted.stop();
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()))
                .as("a clean stop leaves no journal").noneMatch(f -> f.startsWith("journal-"));
    }

    @Test
    void oneJournalSyncPerBatch_theCheckpointSyncsTheNodeFilesAndStartsTheJournalAfresh() throws Exception {
        JsonLinesStore s = started();
        s.store(batch(m("a", 1, "1"), m("b", 1, "2"), m("c", 1, "3")));
        long journals = Files.list(dir).filter(p -> p.getFileName().toString().startsWith("journal-")).count();
        assertThat(journals).isEqualTo(1);
        Path journal = Files.list(dir).filter(p -> p.getFileName().toString().startsWith("journal-")).findFirst()
                .orElseThrow();
        assertThat(Files.readAllLines(journal)).hasSize(3).allMatch(l -> l.startsWith("messages/"));
        s.checkpoint();
        assertThat(journal).doesNotExist();
        for (String n : List.of("a", "b", "c")) {
            assertThat(Files.readAllLines(dir.resolve("messages/" + n + ".jsonl"))).hasSize(1);
        }
        s.stop();
    }
}
