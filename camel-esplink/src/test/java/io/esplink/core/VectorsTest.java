package io.esplink.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs every case of the protocol test vectors in {@code src/test/resources/vectors} (see the Vectors section of
 * PROTOCOL.md), each case as its own dynamic test.
 */
class VectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MESSAGE_IDS_EXPECTED = 520;

    // ------------------------------------------------------------------ loading

    private static JsonNode load(String name) {
        String path = "/vectors/" + name;
        try (InputStream in = VectorsTest.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Test vector resource " + path + " is missing from the classpath");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read test vector resource " + path, e);
        }
    }

    private static List<JsonNode> cases(String name) {
        JsonNode cases = load(name).get("cases");
        if (cases == null || !cases.isArray()) {
            throw new IllegalStateException(name + " has no \"cases\" array");
        }
        List<JsonNode> list = new ArrayList<>();
        cases.forEach(list::add);
        return list;
    }

    private static List<Integer> firstMessageIds() {
        JsonNode first = load("message-ids.json").get("first");
        if (first == null || !first.isArray()) {
            throw new IllegalStateException("message-ids.json has no \"first\" array");
        }
        List<Integer> ids = new ArrayList<>();
        first.forEach(n -> ids.add(n.intValue()));
        return ids;
    }

    private static String displayName(JsonNode c) {
        String note = c.path("note").asText("");
        return c.path("name").asText("<unnamed>") + (note.isEmpty() ? "" : " (" + note + ")");
    }

    @Test
    void everyVectorFileHasCases() {
        assertThat(cases("frames.json")).as("frames.json cases").isNotEmpty();
        assertThat(cases("dedup.json")).as("dedup.json cases").isNotEmpty();
        assertThat(firstMessageIds()).as("message-ids.json first").hasSize(MESSAGE_IDS_EXPECTED);
    }

    // ------------------------------------------------------------------ frames.json (L3-L6)

    @TestFactory
    Stream<DynamicTest> frames() {
        return cases("frames.json").stream()
                .map(c -> DynamicTest.dynamicTest(displayName(c), () -> runFramesCase(c)));
    }

    private static void runFramesCase(JsonNode c) {
        List<List<Object>> expected = new ArrayList<>();
        c.get("events").forEach(e -> expected.add(expectedEvent(e)));

        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Protocol.DEFAULT_MAX_LINE_LENGTH, true));
        List<ByteBuf> fed = new ArrayList<>();
        List<List<Object>> actual = new ArrayList<>();
        for (JsonNode chunk : c.get("chunks")) {
            ByteBuf buf = Unpooled.copiedBuffer(chunk.asText(), StandardCharsets.UTF_8);
            fed.add(buf);
            // each chunk is one inbound read; a decoder exception would be rethrown here
            ch.writeInbound(buf);
            drain(ch, actual);
        }
        assertThat(ch.finish()).as("nothing may be produced when the connection closes").isFalse();
        drain(ch, actual);

        assertThat(actual).as("events of case %s", c.path("name").asText()).isEqualTo(expected);
        assertThat(fed).as("every inbound buffer is released").allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    private static void drain(EmbeddedChannel ch, List<List<Object>> into) {
        for (Object o; (o = ch.readInbound()) != null;) {
            assertThat(o).isInstanceOf(Frame.class);
            into.add(event((Frame) o));
        }
    }

    /** A decoded frame in the vectors' event notation. */
    private static List<Object> event(Frame f) {
        switch (f.type()) {
            case ID:
                return Arrays.asList("ID", f.text());
            case KEEPALIVE:
                return Arrays.asList("KA");
            case ACK:
                return Arrays.asList("ACK", f.messageId());
            case MESSAGE:
                return Arrays.asList("MSG", f.messageId(), f.text());
            case BAD:
                return Arrays.asList("BAD", f.text());
            default:
                throw new AssertionError("unknown frame type " + f.type());
        }
    }

    /** An expected event read from the vectors, checked for shape so that a malformed vector fails loudly. */
    private static List<Object> expectedEvent(JsonNode e) {
        String tag = e.path(0).asText();
        switch (tag) {
            case "ID":
            case "BAD":
                assertThat(e.size()).as("arity of %s", e).isEqualTo(2);
                return Arrays.asList(tag, e.get(1).asText());
            case "KA":
                assertThat(e.size()).as("arity of %s", e).isEqualTo(1);
                return Arrays.asList(tag);
            case "ACK":
                assertThat(e.size()).as("arity of %s", e).isEqualTo(2);
                assertThat(e.get(1).isInt()).as("message ID of %s", e).isTrue();
                return Arrays.asList(tag, e.get(1).intValue());
            case "MSG":
                assertThat(e.size()).as("arity of %s", e).isEqualTo(3);
                assertThat(e.get(1).isInt()).as("message ID of %s", e).isTrue();
                return Arrays.asList(tag, e.get(1).intValue(), e.get(2).asText());
            default:
                return fail("unknown event in frames.json: " + e);
        }
    }

    // ------------------------------------------------------------------ dedup.json (L10)

    @TestFactory
    Stream<DynamicTest> dedup() {
        return cases("dedup.json").stream()
                .map(c -> DynamicTest.dynamicTest(displayName(c), () -> runDedupCase(c)));
    }

    private static void runDedupCase(JsonNode c) {
        JsonNode ids = c.get("ids");
        JsonNode deliver = c.get("deliver");
        assertThat(ids.size()).as("ids and deliver of the same length").isEqualTo(deliver.size()).isPositive();
        DuplicateWindow window = new DuplicateWindow();
        for (int i = 0; i < ids.size(); i++) {
            int mid = ids.get(i).intValue();
            assertThat(window.accept(mid))
                    .as("case %s, step %d: deliver ID %d", c.path("name").asText(), i, mid)
                    .isEqualTo(deliver.get(i).booleanValue());
        }
    }

    // ------------------------------------------------------------------ message-ids.json (L8)

    @TestFactory
    Stream<DynamicTest> messageIds() {
        return Stream.of(
                DynamicTest.dynamicTest("first " + MESSAGE_IDS_EXPECTED + " IDs from next()", () -> {
                    List<Integer> expected = firstMessageIds();
                    MessageIds ids = new MessageIds();
                    List<Integer> actual = new ArrayList<>();
                    for (int i = 0; i < expected.size(); i++) {
                        actual.add(ids.next());
                    }
                    assertThat(actual).isEqualTo(expected);
                }),
                DynamicTest.dynamicTest("peek() announces each of the first " + MESSAGE_IDS_EXPECTED + " IDs", () -> {
                    List<Integer> expected = firstMessageIds();
                    MessageIds ids = new MessageIds();
                    for (int i = 0; i < expected.size(); i++) {
                        assertThat(ids.peek()).as("peek before ID #%d", i).isEqualTo(expected.get(i));
                        ids.next();
                    }
                }));
    }
}
