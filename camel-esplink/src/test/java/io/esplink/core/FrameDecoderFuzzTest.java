package io.esplink.core;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz test of {@link FrameDecoder} (L2-L7): any bytes, cut into any TCP reads, in a Netty {@link EmbeddedChannel}
 * whose last handler reacts to errors as the gateway does ({@link LinkErrors}).
 * <p>
 * Invariants checked for every input:
 * <ul>
 * <li>the only exception that ever leaves the decoder is a {@link LineTooLongException}, at most once per
 * connection, and it closes that connection (close reason "line too long") and no other: a neighbour channel fed a
 * good stream between the hostile reads keeps its link and gets all its frames;</li>
 * <li>no frame's text contains {@code '\n'}; ACK and MESSAGE frames have IDs 0-255;</li>
 * <li>the decoder never holds more than {@code maxLineLength} bytes between reads, and nothing after it refused a
 * line (L7); every inbound buffer is released;</li>
 * <li>the frames (and whether the connection was refused) are the same for the fuzzer's cutting of the stream,
 * one byte per read, and the whole stream in one read; and the one-read result equals an independent model of
 * L2-L7 written here from PROTOCOL.md.</li>
 * </ul>
 * <h2>Input</h2>
 * Byte 0: {@code maxLineLength - 3} (3..258); byte 1 bit 0: the first line is an ID line (gateway side); byte 2:
 * {@code n}, the number of reads given explicitly, then {@code n} bytes of read sizes ({@code b + 1}); the rest is the
 * stream, whatever of it is left after those reads going as one last read. The seeds in
 * {@code src/test/resources/io/esplink/core/FrameDecoderFuzzTestInputs/anyBytesInAnyReads} are the cases of
 * {@code vectors/frames.json} in this layout, and L7 and UTF-8 edge cases.
 * <h2>Running</h2>
 * {@code mvn verify} runs it in regression mode: on the empty input and the seeds only. A long fuzz (coverage
 * guided, new inputs kept in {@code camel-esplink/.cifuzz-corpus}, a failing input written next to the seeds):
 *
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=10m mvn -B -pl camel-esplink test -Dtest=FrameDecoderFuzzTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * (without {@code JAZZER_MAX_DURATION} the run stops after the annotation's 5 minutes; {@code JAZZER_FUZZ} also turns
 * on Jazzer's hooks through the {@code jazzer-fuzz} profile of {@code camel-esplink/pom.xml}).
 */
class FrameDecoderFuzzTest {

    private static FuzzLogs logs;

    @BeforeAll
    static void quietLogs() {
        logs = FuzzLogs.quiet();
    }

    @AfterAll
    static void restoreLogs() {
        logs.close();
    }

    @FuzzTest(maxDuration = "5m")
    @DictionaryFile(resourcePath = "esplink.dict")
    void anyBytesInAnyReads(byte[] input) {
        Plan plan = Plan.of(input);
        byte[] s = plan.stream;

        Outcome model = model(s, plan.maxLineLength, plan.expectId);
        Outcome whole = decode(plan, new int[] { s.length });
        assertThat(whole).as("one read vs. the model of L2-L7, input %s", plan).isEqualTo(model);
        Outcome cut = decode(plan, plan.reads);
        assertThat(cut).as("reads %s vs. one read, input %s", Arrays.toString(plan.reads), plan).isEqualTo(whole);
        int[] bytewise = new int[s.length];
        Arrays.fill(bytewise, 1);
        assertThat(decode(plan, bytewise)).as("one byte per read vs. one read, input %s", plan).isEqualTo(whole);
    }

    // ------------------------------------------------------------------ the decoder under test

    /** A frame as seen, comparable. */
    record Seen(Frame.Type type, int mid, String text) {
        static Seen of(Frame f) {
            return new Seen(f.type(), f.messageId(), f.text());
        }
    }

    /** What a connection did with a stream: its frames, and whether it was refused (L7). */
    record Outcome(List<Seen> frames, boolean refused) {
    }

    /** Decodes {@code plan.stream} in reads of {@code reads} bytes (what is left: one more read). */
    private static Outcome decode(Plan plan, int[] reads) {
        byte[] s = plan.stream;
        ObservedDecoder decoder = new ObservedDecoder(plan.maxLineLength, plan.expectId);
        Recorder rec = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(decoder, rec);
        Recorder nbRec = new Recorder();
        EmbeddedChannel neighbour = new EmbeddedChannel(new FrameDecoder(Protocol.DEFAULT_MAX_LINE_LENGTH, true),
                nbRec);
        List<ByteBuf> given = new ArrayList<>();
        neighbour.writeInbound(Unpooled.copiedBuffer("nb\n", StandardCharsets.US_ASCII));
        int off = 0;
        int n = 0;
        for (int i = 0; off < s.length; i++) {
            int len = i < reads.length ? Math.min(reads[i], s.length - off) : s.length - off;
            if (!ch.isOpen()) {
                break; // a closed socket reads no more
            }
            ByteBuf b = Unpooled.copiedBuffer(s, off, len);
            given.add(b);
            ch.writeInbound(b);
            off += len;
            assertThat(decoder.buffered()).as("bytes held after %d of %d bytes", off, s.length)
                    .isLessThanOrEqualTo(plan.maxLineLength);
            if (rec.tooLong) {
                assertThat(decoder.buffered()).as("bytes held after refusing a line").isZero();
            }
            neighbour.writeInbound(Unpooled.copiedBuffer(Protocol.hex(n % 256) + "n" + n + "\n",
                    StandardCharsets.US_ASCII));
            n++;
        }
        boolean refused = rec.tooLong;
        assertThat(ch.isOpen()).as("open unless a line was too long").isEqualTo(!refused);
        if (refused) {
            assertThat(Links.closeReason(ch)).contains("line too long"); // "ID line too long" before the ID
        }
        ch.finishAndReleaseAll();
        assertThat(rec.errors).as("errors other than one LineTooLongException").isEmpty();
        assertThat(given).as("every read buffer released").allSatisfy(b -> assertThat(b.refCnt()).isZero());
        for (Seen f : rec.frames) {
            assertThat(f.text() == null || f.text().indexOf('\n') < 0).as("newline in %s", f).isTrue();
            if (f.type() == Frame.Type.ACK || f.type() == Frame.Type.MESSAGE) {
                assertThat(f.mid()).isBetween(0, 255);
            } else {
                assertThat(f.mid()).isEqualTo(-1);
            }
        }

        assertThat(neighbour.isOpen()).as("the neighbour's link").isTrue();
        neighbour.finishAndReleaseAll();
        assertThat(nbRec.errors).isEmpty();
        assertThat(nbRec.frames).hasSize(n + 1);
        for (int i = 0; i < n; i++) {
            assertThat(nbRec.frames.get(i + 1)).isEqualTo(new Seen(Frame.Type.MESSAGE, i % 256, "n" + i));
        }
        return new Outcome(rec.frames, refused);
    }

    /** Exposes how many bytes the decoder holds between reads. */
    private static final class ObservedDecoder extends FrameDecoder {
        ObservedDecoder(int maxLineLength, boolean expectId) {
            super(maxLineLength, expectId);
        }

        int buffered() {
            return internalBuffer().readableBytes();
        }
    }

    /** What refuses a connection that fails before its ID line was read. */
    private static final SessionRegistry DOOR = new SessionRegistry(new ServerConfig(), null, new ListenerTable(),
            new Backpressure(1, 1));

    /** Records frames and errors; reacts to errors as the gateway's handlers do. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<Seen> frames = new ArrayList<>();
        final List<Throwable> errors = new ArrayList<>();
        boolean tooLong;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Frame f) {
                frames.add(Seen.of(f));
            } else {
                errors.add(new AssertionError("not a frame: " + msg));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof LineTooLongException && !tooLong) {
                tooLong = true;
            } else {
                errors.add(cause);
            }
            LinkErrors.handle(ctx.channel(), cause, DOOR);
        }
    }

    // ------------------------------------------------------------------ the model (PROTOCOL.md L2-L7)

    private static final int BAD_KEPT = 64;

    /** What PROTOCOL.md says a gateway (or node) reads from {@code s}, written without the decoder's code. */
    static Outcome model(byte[] s, int max, boolean expectId) {
        List<Seen> out = new ArrayList<>();
        boolean idLine = expectId;
        int start = 0;
        for (int i = 0; i < s.length; i++) {
            if (s[i] != '\n') {
                continue;
            }
            int len = i - start;
            if (len > max) {
                return new Outcome(out, true); // L7
            }
            out.add(idLine ? new Seen(Frame.Type.ID, -1, strictUtf8(s, start, len)) : line(s, start, len));
            idLine = false;
            start = i + 1;
        }
        return new Outcome(out, s.length - start > max);
    }

    private static Seen line(byte[] s, int start, int len) {
        if (len == 0) {
            return new Seen(Frame.Type.KEEPALIVE, -1, null); // L4
        }
        int hi = len >= 2 ? Character.digit(s[start], 16) : -1;
        int lo = len >= 2 ? Character.digit(s[start + 1], 16) : -1;
        if (hi < 0 || lo < 0 || s[start] < 0 || s[start + 1] < 0) {
            return new Seen(Frame.Type.BAD, -1, utf8(s, start, Math.min(len, BAD_KEPT))); // L6
        }
        int mid = hi * 16 + lo;
        return len == 2 ? new Seen(Frame.Type.ACK, mid, null) // L5
                : new Seen(Frame.Type.MESSAGE, mid, utf8(s, start + 2, len - 2));
    }

    /** An ID line is decoded strictly: not UTF-8, it has no text (two IDs differing in bad bytes stay apart). */
    private static String strictUtf8(byte[] s, int off, int len) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(s, off, len)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String utf8(byte[] s, int off, int len) {
        return new String(s, off, len, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ input layout

    /** A fuzz input read as: maxLineLength, side, read sizes, stream (see the class comment). */
    static final class Plan {
        final int maxLineLength;
        final boolean expectId;
        final int[] reads;
        final byte[] stream;

        private Plan(int maxLineLength, boolean expectId, int[] reads, byte[] stream) {
            this.maxLineLength = maxLineLength;
            this.expectId = expectId;
            this.reads = reads;
            this.stream = stream;
        }

        static Plan of(byte[] in) {
            int max = 3 + at(in, 0);
            boolean expectId = (at(in, 1) & 1) != 0;
            int n = Math.min(at(in, 2), Math.max(0, in.length - 3));
            int[] reads = new int[n];
            for (int i = 0; i < n; i++) {
                reads[i] = at(in, 3 + i) + 1;
            }
            int from = Math.min(in.length, 3 + n);
            return new Plan(max, expectId, reads, Arrays.copyOfRange(in, from, in.length));
        }

        private static int at(byte[] in, int i) {
            return i < in.length ? in[i] & 0xff : 0;
        }

        @Override
        public String toString() {
            return "[max " + maxLineLength + (expectId ? ", ID line first" : "") + ", reads "
                   + Arrays.toString(reads) + ", stream " + HexFormat.of().formatHex(stream) + "]";
        }
    }
}
