package io.esplink.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Framing, message ID and duplicate window rules of PROTOCOL.md, one rule (or one facet of a rule) per test. The
 * decoder is driven through a Netty {@link EmbeddedChannel}, each written buffer standing for one TCP read.
 */
class FramingRulesTest {

    // ------------------------------------------------------------------ helpers

    /** Exposes how many bytes the decoder holds, to prove L7 is enforced without buffering the line whole. */
    private static final class ObservedDecoder extends FrameDecoder {
        ObservedDecoder(int maxLineLength, boolean expectId) {
            super(maxLineLength, expectId);
        }

        int buffered() {
            return internalBuffer().readableBytes();
        }
    }

    private static ByteBuf utf8(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static EmbeddedChannel gateway() {
        return new EmbeddedChannel(new FrameDecoder(Protocol.DEFAULT_MAX_LINE_LENGTH, true));
    }

    /** Writes each chunk as its own read and returns every frame decoded. */
    private static List<Frame> feed(EmbeddedChannel ch, String... chunks) {
        for (String c : chunks) {
            ch.writeInbound(utf8(c));
        }
        return drain(ch);
    }

    private static List<Frame> feedBytes(EmbeddedChannel ch, byte[]... chunks) {
        for (byte[] c : chunks) {
            ch.writeInbound(Unpooled.wrappedBuffer(c));
        }
        return drain(ch);
    }

    private static List<Frame> drain(EmbeddedChannel ch) {
        List<Frame> frames = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null;) {
            frames.add((Frame) o);
        }
        return frames;
    }

    /** Frames in a compact notation, e.g. {@code ID n}, {@code KA}, {@code ACK 0a}, {@code MSG 05 abc}. */
    private static List<String> show(List<Frame> frames) {
        List<String> out = new ArrayList<>();
        frames.forEach(f -> out.add(f.toString()));
        return out;
    }

    /** Classifies one stream line (not an ID line) through the decoder. */
    private static Frame parseLine(String line) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Protocol.DEFAULT_MAX_LINE_LENGTH, false));
        List<Frame> frames = feed(ch, line + "\n");
        assertThat(frames).as("frames of %s", line).hasSize(1);
        ch.finishAndReleaseAll();
        return frames.get(0);
    }

    private static String repeat(char c, int n) {
        char[] a = new char[n];
        Arrays.fill(a, c);
        return new String(a);
    }

    private static String text(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    // ------------------------------------------------------------------ L2

    @Test
    void L2_onlyLineFeedEndsALine_carriageReturnStaysInPayload() {
        EmbeddedChannel ch = gateway();
        List<Frame> frames = feed(ch, "n\n", "05abc\r\n", "06a\rb\n", "07\r\r\n");
        assertThat(frames).extracting(Frame::type).containsExactly(
                Frame.Type.ID, Frame.Type.MESSAGE, Frame.Type.MESSAGE, Frame.Type.MESSAGE);
        assertThat(frames.get(1).text()).isEqualTo("abc\r");
        assertThat(frames.get(2).text()).isEqualTo("a\rb");
        assertThat(frames.get(3).text()).isEqualTo("\r\r");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void L2_crlfAloneIsAOneCharacterLine_notAKeepalive() {
        EmbeddedChannel ch = gateway();
        List<Frame> frames = feed(ch, "n\n\r\n\n");
        assertThat(show(frames)).containsExactly("ID n", "BAD \r", "KA");
    }

    @Test
    void L2_bytesWithoutLineFeedAreNotALineYet_notEvenAtClose() {
        EmbeddedChannel ch = gateway();
        assertThat(feed(ch, "n\n", "05abc", "\r")).extracting(Frame::type).containsExactly(Frame.Type.ID);
        assertThat(ch.finish()).as("an unterminated line is not a frame").isFalse();
        assertThat(drain(ch)).isEmpty();
    }

    @Test
    void L2_payloadWithNewlineIsRefused() {
        assertThatThrownBy(() -> Protocol.checkPayload("a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("newline")
                .hasMessageContaining("L2")
                .hasMessageContaining("index 1");
        assertThatThrownBy(() -> Protocol.checkPayload("abc\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index 3");
        // a carriage return is ordinary payload (only \n ends a line)
        assertThat(Protocol.checkPayload("a\rb")).isEqualTo("a\rb");
        assertThat(Protocol.checkPayload("x")).isEqualTo("x");
    }

    @Test
    void L2_L3_clientIdMustBeNonEmptyAndWithoutNewline() {
        assertThatThrownBy(() -> Protocol.checkClientId(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("L3");
        assertThatThrownBy(() -> Protocol.checkClientId(null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Protocol.checkClientId("kitchen\nsensor"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newline");
        assertThat(Protocol.checkClientId("kitchen-sensor")).isEqualTo("kitchen-sensor");
    }

    // ------------------------------------------------------------------ L3

    @Test
    void L3_bytesAfterIdLineInSameReadBelongToStream() {
        EmbeddedChannel ch = gateway();
        List<Frame> frames = feed(ch, "kitchen-sensor\n0a{\"temp\": 21.5}\n\n0b\nzz\n");
        assertThat(show(frames)).containsExactly(
                "ID kitchen-sensor", "MSG 0a {\"temp\": 21.5}", "KA", "ACK 0b", "BAD zz");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void L3_onlyTheFirstLineIsTheId_whateverItLooksLike() {
        EmbeddedChannel ch = gateway();
        // the ID line is taken verbatim even when it looks like an ACK; the second ID-like line is stream
        List<Frame> frames = feed(ch, "0a\n", "0a\n", "node8\n");
        assertThat(frames).extracting(Frame::type)
                .containsExactly(Frame.Type.ID, Frame.Type.ACK, Frame.Type.BAD);
        assertThat(frames.get(0).text()).isEqualTo("0a");
        assertThat(frames.get(1).messageId()).isEqualTo(10);
        assertThat(frames.get(2).text()).isEqualTo("node8");
    }

    @Test
    void L3_idLineSplitAcrossReadsIsReassembled() {
        EmbeddedChannel ch = gateway();
        assertThat(feed(ch, "kit", "chen-", "sen")).isEmpty();
        assertThat(show(feed(ch, "sor\n0", "1x\n"))).containsExactly("ID kitchen-sensor", "MSG 01 x");
    }

    @Test
    void L3_withoutExpectIdTheFirstLineIsStream() {
        // node side: the gateway never sends an ID line
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Protocol.DEFAULT_MAX_LINE_LENGTH, false));
        assertThat(show(feed(ch, "\n", "0a\n", "00hi\n"))).containsExactly("KA", "ACK 0a", "MSG 00 hi");
    }

    // ------------------------------------------------------------------ L4

    @Test
    void L4_emptyLineIsKeepalive() {
        EmbeddedChannel ch = gateway();
        List<Frame> frames = feed(ch, "n\n", "\n", "\n\n");
        assertThat(frames).hasSize(4);
        for (Frame ka : frames.subList(1, 4)) {
            assertThat(ka.type()).isEqualTo(Frame.Type.KEEPALIVE);
            assertThat(ka).isSameAs(Frame.KEEPALIVE);
            assertThat(ka.messageId()).isEqualTo(-1);
            assertThat(ka.text()).isNull();
        }
    }

    @Test
    void L2_L4_aReadOfOneLineFeedEndsThePartialLineBeforeIt_andAloneIsAKeepaliveThatLeavesNothingBuffered() {
        ObservedDecoder d = new ObservedDecoder(Protocol.DEFAULT_MAX_LINE_LENGTH, true);
        EmbeddedChannel ch = new EmbeddedChannel(d);
        ByteBuf alone = utf8("\n");
        assertThat(show(feed(ch, "n\n", "0a"))).containsExactly("ID n");
        assertThat(show(feed(ch, "\n"))).as("the newline ends the pending line").containsExactly("ACK 0a");
        ch.writeInbound(alone);
        assertThat(drain(ch)).containsExactly(Frame.KEEPALIVE);
        assertThat(alone.refCnt()).as("the read's buffer is released").isZero();
        assertThat(d.buffered()).isZero();
        assertThat(show(feed(ch, "00h", "\n", "\n"))).containsExactly("MSG 00 h", "KA");
        ch.config().setAutoRead(false); // reading paused: the general way, same frames
        assertThat(show(feed(ch, "\n", "0b", "\n"))).containsExactly("KA", "ACK 0b");
        assertThat(d.buffered()).isZero();
    }

    @Test
    void L4_writerKeepaliveIsASingleLineFeed_andViewsAreIndependent() {
        ByteBuf a = Protocol.keepalive();
        ByteBuf b = Protocol.keepalive();
        assertThat(ByteBufUtil.getBytes(a)).containsExactly((byte) '\n');
        a.skipBytes(1);
        assertThat(a.isReadable()).isFalse();
        assertThat(b.readableBytes()).as("reading one keepalive view must not consume another").isEqualTo(1);
        assertThat(Protocol.keepalive().readableBytes()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ L5

    @Test
    void L5_twoHexDigitsIsAck_longerIsMessage_eitherCase() {
        for (int mid = 0; mid < 256; mid++) {
            String lower = String.format("%02x", mid);
            String upper = String.format("%02X", mid);
            String mixed = lower.substring(0, 1).toUpperCase() + lower.substring(1);
            for (String hex : new String[] { lower, upper, mixed }) {
                Frame ack = parseLine(hex);
                assertThat(ack.type()).as("type of %s", hex).isEqualTo(Frame.Type.ACK);
                assertThat(ack.messageId()).as("ACK ID of %s", hex).isEqualTo(mid);
                assertThat(ack.text()).isNull();

                Frame msg = parseLine(hex + "p");
                assertThat(msg.type()).as("type of %sp", hex).isEqualTo(Frame.Type.MESSAGE);
                assertThat(msg.messageId()).as("message ID of %sp", hex).isEqualTo(mid);
                assertThat(msg.text()).isEqualTo("p");
            }
        }
        // a payload may itself start with hex digits or be hex digits: only the first two are the ID
        Frame m = parseLine("0a0b");
        assertThat(m.type()).isEqualTo(Frame.Type.MESSAGE);
        assertThat(m.messageId()).isEqualTo(10);
        assertThat(m.text()).isEqualTo("0b");
    }

    @Test
    void L5_writerEmitsLowercaseHexAndUtf8() {
        ByteBuf msg = Protocol.message(UnpooledByteBufAllocator.DEFAULT, 0xAB, "température=21°C 😀");
        byte[] bytes = ByteBufUtil.getBytes(msg);
        assertThat(bytes).isEqualTo("abtempérature=21°C 😀\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Protocol.messageLineLength("température=21°C 😀")).isEqualTo(bytes.length);
        msg.release();

        assertThat(text(Protocol.message(UnpooledByteBufAllocator.DEFAULT, 0, "x"))).isEqualTo("00x\n");
        assertThat(text(Protocol.message(UnpooledByteBufAllocator.DEFAULT, 255, "x"))).isEqualTo("ffx\n");

        for (int mid = 0; mid < 256; mid++) {
            String hex = String.format("%02x", mid);
            assertThat(Protocol.hex(mid)).isEqualTo(hex);
            ByteBuf ack = Protocol.ack(mid);
            assertThat(ack.toString(StandardCharsets.US_ASCII)).isEqualTo(hex + "\n");
        }
        // ACK buffers are shared: reading one view must not consume the next
        ByteBuf first = Protocol.ack(0xC3);
        first.skipBytes(first.readableBytes());
        assertThat(Protocol.ack(0xC3).toString(StandardCharsets.US_ASCII)).isEqualTo("c3\n");

        assertThatThrownBy(() -> Protocol.ack(256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Protocol.ack(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Protocol.hex(256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Protocol.message(UnpooledByteBufAllocator.DEFAULT, 256, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void L5_writtenLinesDecodeBackToTheSameFrames() {
        EmbeddedChannel ch = gateway();
        feed(ch, "n\n");
        List<Frame> frames = new ArrayList<>();
        for (int mid = 0; mid < 256; mid++) {
            ch.writeInbound(Protocol.message(ch.alloc(), mid, "p" + mid + "é"));
            ch.writeInbound(Protocol.ack(mid));
            ch.writeInbound(Protocol.keepalive());
            frames.addAll(drain(ch));
        }
        assertThat(frames).hasSize(3 * 256);
        for (int mid = 0; mid < 256; mid++) {
            Frame m = frames.get(3 * mid);
            assertThat(m.type()).isEqualTo(Frame.Type.MESSAGE);
            assertThat(m.messageId()).isEqualTo(mid);
            assertThat(m.text()).isEqualTo("p" + mid + "é");
            assertThat(frames.get(3 * mid + 1)).isSameAs(Frame.ack(mid));
            assertThat(frames.get(3 * mid + 2)).isSameAs(Frame.KEEPALIVE);
        }
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void L5_emptyPayloadIsRefused() {
        assertThatThrownBy(() -> Protocol.checkPayload(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty")
                .hasMessageContaining("ACK")
                .hasMessageContaining("L5");
        assertThatThrownBy(() -> Protocol.checkPayload(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        // why: the line an empty payload would produce is read as an ACK, not as a message
        Frame f = parseLine("0a");
        assertThat(f.type()).isEqualTo(Frame.Type.ACK);
        // a one-character payload is the shortest possible
        assertThat(Protocol.checkPayload(" ")).isEqualTo(" ");
    }

    // ------------------------------------------------------------------ L6

    @Test
    void L6_nonHexAndOneCharLinesAreBad_decodingGoesOn() {
        List<String> badLines = Arrays.asList("zz", "g1hello", "0g", "g0", "x", "5", " 1", "-1abc", "é1x", "0\u00e9",
                "\u0000\u0000", "{\"t\":1}");
        EmbeddedChannel ch = gateway();
        feed(ch, "n\n");
        for (String bad : badLines) {
            List<Frame> frames = feed(ch, bad + "\n", "08ok\n");
            assertThat(frames).as("after %s", bad).hasSize(2);
            assertThat(frames.get(0).type()).as("type of %s", bad).isEqualTo(Frame.Type.BAD);
            assertThat(frames.get(0).text()).isEqualTo(bad);
            assertThat(frames.get(0).messageId()).isEqualTo(-1);
            assertThat(show(frames.subList(1, 2))).as("the link goes on after %s", bad).containsExactly("MSG 08 ok");
        }
        // several bad lines and good lines in one read
        assertThat(show(feed(ch, "q\nzz\n01a\n\n02\n"))).containsExactly("BAD q", "BAD zz", "MSG 01 a", "KA", "ACK 02");
        assertThat(ch.isActive()).as("a bad line does not fail the channel").isTrue();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void L6_badLineKeptForTheLogIsCutTo64Characters() {
        String longBad = "zz" + repeat('q', 500);
        EmbeddedChannel ch = gateway();
        List<Frame> frames = feed(ch, "n\n", longBad + "\n", "\n");
        assertThat(frames).extracting(Frame::type).containsExactly(Frame.Type.ID, Frame.Type.BAD, Frame.Type.KEEPALIVE);
        assertThat(frames.get(1).text()).hasSize(64).isEqualTo(longBad.substring(0, 64));
    }

    // ------------------------------------------------------------------ L7

    @Test
    void L7_overlongLineFailsWithoutBufferingItWhole() {
        int max = 100;
        ObservedDecoder decoder = new ObservedDecoder(max, true);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        assertThat(feed(ch, "n\n")).extracting(Frame::type).containsExactly(Frame.Type.ID);

        List<ByteBuf> fed = new ArrayList<>();
        int sent = 0;
        // up to the limit, in small reads: no error, and never more than the limit held
        while (sent < max) {
            ByteBuf b = utf8(repeat('a', Math.min(9, max - sent)));
            sent += b.readableBytes();
            fed.add(b);
            ch.writeInbound(b);
            assertThat(decoder.buffered()).as("held after %d bytes", sent).isEqualTo(sent).isLessThanOrEqualTo(max);
        }
        assertThat(drain(ch)).isEmpty();
        // the very byte that passes the limit fails at once
        ByteBuf over = utf8("a");
        fed.add(over);
        assertThatThrownBy(() -> ch.writeInbound(over))
                .isInstanceOf(LineTooLongException.class)
                .hasMessageContaining(String.valueOf(max))
                .hasMessageContaining(String.valueOf(max + 1))
                .hasMessageContaining("L7");
        assertThat(decoder.buffered()).as("nothing held after the failure").isZero();

        // whatever comes next, even a valid line, is discarded and not held
        for (int i = 0; i < 50; i++) {
            ByteBuf b = utf8(i % 10 == 9 ? "\n05ok\n" : repeat('a', 64));
            fed.add(b);
            assertThatCode(() -> ch.writeInbound(b)).doesNotThrowAnyException();
            assertThat(decoder.buffered()).isZero();
        }
        assertThat(drain(ch)).isEmpty();
        assertThat(ch.finish()).isFalse();
        assertThat(fed).as("every inbound buffer is released").allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void L7_overlongLineEndingInNewlineWithinOneReadFails() {
        int max = 50;
        ObservedDecoder decoder = new ObservedDecoder(max, true);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        String overlong = "01" + repeat('x', max - 1); // max + 1 bytes
        ByteBuf b = utf8("n\n00first\n" + overlong + "\n05after\n");
        assertThatThrownBy(() -> ch.writeInbound(b)).isInstanceOf(LineTooLongException.class);
        // the lines before the overlong one were decoded; nothing after it
        assertThat(show(drain(ch))).containsExactly("ID n", "MSG 00 first");
        assertThat(decoder.buffered()).isZero();
        assertThat(feed(ch, "06more\n")).isEmpty();
        assertThat(ch.finish()).isFalse();
        assertThat(b.refCnt()).isZero();
    }

    @Test
    void L7_overlongIdLineFails() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(10, true));
        assertThatThrownBy(() -> ch.writeInbound(utf8(repeat('i', 11) + "\n")))
                .isInstanceOf(LineTooLongException.class);
        assertThat(drain(ch)).isEmpty();
    }

    @Test
    void L7_lineOfExactlyMaxLengthIsAccepted() {
        int max = 10;
        String exact = "01" + repeat('x', max - 2);
        assertThat(exact).hasSize(max);

        // in one read
        EmbeddedChannel one = new EmbeddedChannel(new FrameDecoder(max, true));
        assertThat(show(feed(one, repeat('i', max) + "\n" + exact + "\n")))
                .containsExactly("ID " + repeat('i', max), "MSG 01 " + repeat('x', max - 2));

        // max bytes held without a newline yet is not an error; the newline may come in a later read
        ObservedDecoder decoder = new ObservedDecoder(max, true);
        EmbeddedChannel split = new EmbeddedChannel(decoder);
        feed(split, "n\n");
        assertThat(feed(split, exact)).isEmpty();
        assertThat(decoder.buffered()).isEqualTo(max);
        assertThat(show(feed(split, "\n"))).containsExactly("MSG 01 " + repeat('x', max - 2));

        // the limit counts UTF-8 bytes: 2 + 4 x 2 bytes = 10
        assertThat(show(feed(split, "01éééé\n"))).containsExactly("MSG 01 éééé");
        // one byte more fails
        assertThatThrownBy(() -> split.writeInbound(utf8("01ééééx\n"))).isInstanceOf(LineTooLongException.class);
    }

    @Test
    void L7_maximumBelowThreeIsRefused() {
        assertThatThrownBy(() -> new FrameDecoder(2, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatCode(() -> new FrameDecoder(3, true)).doesNotThrowAnyException();
    }

    // ------------------------------------------------------------------ UTF-8 across reads (L2)

    @Test
    void L2_utf8CharactersSplitAcrossReadsDecodeCorrectly() {
        String payload = "température=21°C 😀 ✓";
        byte[] line = ("07" + payload + "\n").getBytes(StandardCharsets.UTF_8);
        // every possible cut into two reads, including inside each multi-byte sequence
        for (int cut = 1; cut < line.length; cut++) {
            EmbeddedChannel ch = gateway();
            feed(ch, "n\n");
            List<Frame> frames = feedBytes(ch, Arrays.copyOfRange(line, 0, cut),
                    Arrays.copyOfRange(line, cut, line.length));
            assertThat(show(frames)).as("cut at byte %d", cut).containsExactly("MSG 07 " + payload);
        }
        // one byte per read
        EmbeddedChannel ch = gateway();
        byte[] all = ("nœud-é\n" + "07" + payload + "\n").getBytes(StandardCharsets.UTF_8);
        List<Frame> frames = new ArrayList<>();
        for (byte b : all) {
            frames.addAll(feedBytes(ch, new byte[] { b }));
        }
        assertThat(show(frames)).containsExactly("ID nœud-é", "MSG 07 " + payload);
    }

    // ------------------------------------------------------------------ L8

    @Test
    void L8_idsStartAtZeroThenCycleOneTo255() {
        MessageIds ids = new MessageIds();
        assertThat(ids.peek()).isZero();
        assertThat(ids.next()).isZero();
        for (int round = 0; round < 4; round++) {
            for (int expected = 1; expected <= 255; expected++) {
                assertThat(ids.peek()).isEqualTo(expected);
                assertThat(ids.next()).as("round %d", round).isEqualTo(expected);
            }
        }
        assertThat(ids.next()).as("after 255 comes 1, never 0").isEqualTo(1);
    }

    @Test
    void L8_peekDoesNotAdvance() {
        MessageIds ids = new MessageIds();
        ids.next();
        ids.next();
        assertThat(ids.peek()).isEqualTo(2);
        assertThat(ids.peek()).isEqualTo(2);
        assertThat(ids.next()).isEqualTo(2);
        assertThat(ids.next()).isEqualTo(3);
    }

    @Test
    void L8_countersAreIndependent() {
        MessageIds a = new MessageIds();
        MessageIds b = new MessageIds();
        for (int i = 0; i < 300; i++) {
            a.next();
        }
        assertThat(b.next()).isZero();
        assertThat(a.next()).isEqualTo(45); // 0, 1..255 (256 IDs), then 1..44, so #301 is 45
    }

    // ------------------------------------------------------------------ L10

    @Test
    void L10_newIdDelivered_repeatDroppedUntilForgotten() {
        DuplicateWindow w = new DuplicateWindow();
        assertThat(w.contains(7)).isFalse();
        assertThat(w.accept(7)).isTrue();
        assertThat(w.contains(7)).isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(w.accept(7)).as("repeat %d", i).isFalse();
        }
        assertThat(w.accept(8)).isTrue();
        assertThat(w.accept(7)).as("a later ID does not forget an earlier one close by").isFalse();
    }

    @Test
    void L10_idZeroClearsTheWindow() {
        DuplicateWindow w = new DuplicateWindow();
        for (int mid = 1; mid <= 255; mid += 17) {
            w.accept(mid);
        }
        assertThat(w.accept(1)).isFalse();
        assertThat(w.accept(0)).isTrue();
        for (int mid = 1; mid <= 255; mid += 17) {
            assertThat(w.contains(mid)).as("ID %d forgotten after 0", mid).isFalse();
        }
        assertThat(w.contains(0)).isTrue();
        assertThat(w.accept(1)).as("the restarted peer's ID 1 is new").isTrue();
    }

    @Test
    void L10_idZeroIsAlwaysDelivered_evenAsARetransmission() {
        DuplicateWindow w = new DuplicateWindow();
        assertThat(w.accept(0)).isTrue();
        assertThat(w.accept(0)).isTrue();
        assertThat(w.accept(1)).isTrue();
        assertThat(w.accept(0)).isTrue();
        assertThat(w.accept(1)).as("0 cleared the window: 1 is new again").isTrue();
        assertThat(w.accept(1)).isFalse();
    }

    @Test
    void L10_markingForgetsTheByteSixteenBytesAway() {
        // byte 0 (IDs 0..7) and byte 16 (IDs 128..135)
        DuplicateWindow w = new DuplicateWindow();
        w.accept(5);
        w.accept(8); // byte 1
        w.accept(136); // byte 17: forgets byte 1
        assertThat(w.contains(8)).isFalse();
        assertThat(w.contains(5)).isTrue();
        assertThat(w.accept(133)).isTrue(); // byte 16: forgets byte 0
        assertThat(w.contains(5)).isFalse();
        assertThat(w.accept(5)).as("5 is new again").isTrue();
        // ... which in turn forgot byte 16, so 133 is new again, but 136 (byte 17) is still remembered
        assertThat(w.accept(133)).isTrue();
        assertThat(w.accept(136)).isFalse();
    }

    @Test
    void L10_forgettingWrapsAroundTheWindow() {
        DuplicateWindow w = new DuplicateWindow();
        w.accept(250); // byte 31
        w.accept(255); // byte 31
        w.accept(1); // byte 0, forgets byte 16
        assertThat(w.contains(250)).isTrue();
        assertThat(w.accept(120)).isTrue(); // byte 15: forgets byte (15 + 16) = 31
        assertThat(w.contains(250)).isFalse();
        assertThat(w.contains(255)).isFalse();
        assertThat(w.contains(1)).isTrue();
        assertThat(w.accept(250)).isTrue(); // byte 31: forgets byte (31 + 16) & 31 = 15
        assertThat(w.contains(120)).isFalse();
        assertThat(w.contains(1)).isTrue();
    }

    @Test
    void L10_markingForgetsExactlyOneByte_andNeverItsOwn() {
        for (int mid = 0; mid < 256; mid++) {
            int own = mid >> 3;
            int target = (own + 16) & 31;
            DuplicateWindow w = new DuplicateWindow();
            // fill the lower half, except the pair (own, target); then fill the target byte
            for (int b = 0; b < 16; b++) {
                if (b != own && b != target) {
                    for (int bit = 0; bit < 8; bit++) {
                        w.mark(b * 8 + bit);
                    }
                }
            }
            for (int bit = 0; bit < 8; bit++) {
                w.mark(target * 8 + bit);
            }
            for (int bit = 0; bit < 8; bit++) {
                assertThat(w.contains(target * 8 + bit)).isTrue();
            }
            w.mark(mid);
            for (int other = 0; other < 256; other++) {
                int b = other >> 3;
                boolean expected = other == mid || b < 16 && b != own && b != target;
                assertThat(w.contains(other)).as("after marking %d, ID %d", mid, other).isEqualTo(expected);
            }
        }
    }

    @Test
    void L10_sequentialSenderIsAlwaysDelivered_andRecentIdsStayDuplicates() {
        // a sender's counter (L8) feeding the receiver's window: every ID must be forgotten before it comes round,
        // while the last 100 IDs must still be recognised as duplicates
        MessageIds sender = new MessageIds();
        DuplicateWindow w = new DuplicateWindow();
        List<Integer> recent = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            int mid = sender.next();
            assertThat(w.accept(mid)).as("message #%d, ID %d, is new", i, mid).isTrue();
            recent.add(mid);
            if (recent.size() > 100) {
                recent.remove(0);
            }
            for (int seen : recent) {
                assertThat(w.contains(seen)).as("message #%d: recent ID %d remembered", i, seen).isTrue();
            }
            assertThat(w.contains(sender.peek())).as("message #%d: next ID %d forgotten", i, sender.peek()).isFalse();
        }
    }

    @Test
    void L10_retransmissionsOfTheLastMessageAreDroppedExceptForIdZero() {
        MessageIds sender = new MessageIds();
        DuplicateWindow w = new DuplicateWindow();
        Set<Integer> delivered = new HashSet<>();
        int deliveries = 0;
        for (int i = 0; i < 600; i++) {
            int mid = sender.next();
            assertThat(w.accept(mid)).isTrue();
            deliveries++;
            // the ACK was lost: the sender resends the same line (L20)
            boolean again = w.accept(mid);
            assertThat(again).as("retransmission of ID %d", mid).isEqualTo(mid == 0);
            if (again) {
                deliveries++;
            }
            delivered.add(mid);
        }
        assertThat(deliveries).as("only ID 0 is delivered twice").isEqualTo(601);
        assertThat(delivered).hasSize(256);
    }
}
