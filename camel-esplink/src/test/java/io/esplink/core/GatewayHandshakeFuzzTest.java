package io.esplink.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.esplink.core.EmbeddedGateway.NodeChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fuzz test of the gateway's handshake and what follows it: arbitrary first bytes from a "node" (an ID line, then
 * anything, cut into arbitrary reads), against a real {@link EspLinkServer} that meanwhile serves a well-behaved node,
 * an {@link EspLinkClient} called {@value #NEIGHBOUR}, with traffic both ways.
 * <p>
 * Two ways in, one fuzz test each (a fuzzing run runs one of them):
 * <ul>
 * <li>{@link #anyFirstBytesInTheRealPipeline}: the server's own per-connection pipeline on an {@code EmbeddedChannel}
 * ({@link EmbeddedGateway}), attached to the real session registry; every read is preceded by a jump of the virtual
 * clock (handshake timeout, keepalive ticks, L15 hold), and nothing involves a socket or a thread, so thousands of
 * inputs run per second;</li>
 * <li>{@link #anyFirstBytesOverASocket}: the same bytes over a real loopback socket, through the event loops (inputs
 * longer than {@value #SOCKET_INPUT_MAX} bytes are cut; each input ends with the node's FIN and is bounded by
 * {@value #SOCKET_WAIT_MS} ms).</li>
 * </ul>
 * Invariants, for every input:
 * <ul>
 * <li>L14: the gateway writes not one byte before it has read a valid ID line (complete, at most
 * {@link ServerConfig#maxIdLineLength()}, strict UTF-8, a client ID by the rules of {@link ClientIds}, not the ID of a
 * connected node): an invalid one is refused and the connection closed in silence; a valid one is answered with a
 * keepalive at once;</li>
 * <li>after the ID it writes only keepalives and ACKs, one ACK per message line, in order, with the message's ID
 * (L9); bad lines (L6) change nothing; an overlong line (L7) closes that connection;</li>
 * <li>the connection is closed for the reason the rules give (handshake timeout, ID line too long, line too long, bad client
 * ID, duplicate client), never for an unexpected error, no exception leaves the pipeline, and once closed the node's session is
 * down and the connection count is back where it was;</li>
 * <li>the neighbour keeps working: every message it sends and every command sent to it arrives exactly once, in
 * order (checked every {@value #EXCHANGE_EVERY} inputs and at the end).</li>
 * </ul>
 * <h2>Input</h2>
 * Byte 0: {@code n}; then {@code n} pairs: a read size ({@code b + 1}) and a pause before that read ({@code 4 x b} ms
 * of virtual time; ignored over the socket); the rest is the stream, what is left after those reads going as one
 * last read. Seeds: {@code src/test/resources/io/esplink/core/GatewayHandshakeFuzzTestInputs}.
 * <h2>Running</h2>
 * {@code mvn verify} runs both in regression mode (the empty input and the seeds). A long fuzz of one of them:
 *
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=10m mvn -B -pl camel-esplink test \
 *     -Dtest='GatewayHandshakeFuzzTest#anyFirstBytesInTheRealPipeline' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * (or {@code #anyFirstBytesOverASocket}: slower, some hundred inputs a second). The generated corpus goes to
 * {@code camel-esplink/.cifuzz-corpus}, a failing input next to the seeds.
 */
class GatewayHandshakeFuzzTest {

    static final String NEIGHBOUR = "neighbour";
    static final long TIMEOUT_MS = 1000;
    static final long HANDSHAKE_MS = 1000;
    static final int MAX_LINE = 200;
    /** The longest ID line: a client ID of at most 64 bytes, a colon, a secret of at most 128 (shorter than lines). */
    static final int ID_LINE_MAX = Math.min(MAX_LINE, ClientIds.DEFAULT_MAX_LENGTH + 1 + ClientIds.MAX_SECRET_LENGTH);
    static final int EXCHANGE_EVERY = 250;
    static final int FORGET_EVERY = 5000;
    static final int SOCKET_INPUT_MAX = 1024;
    static final long SOCKET_WAIT_MS = 5000;

    private static FuzzLogs logs;
    private static NioEventLoopGroup boss;
    private static NioEventLoopGroup io;
    private static DefaultEventExecutorGroup delivery;
    private static EspLinkServer server;
    private static EmbeddedGateway gateway;
    private static EspLinkClient neighbour;

    /** What the gateway delivered from the neighbour, and what the neighbour received, in order. */
    private static final List<String> fromNeighbour = new CopyOnWriteArrayList<>();
    private static final List<String> toNeighbour = new CopyOnWriteArrayList<>();
    private static final List<CompletableFuture<Void>> unsettled = new ArrayList<>();
    private static int exchanged;
    private static long inputs;
    private static final AtomicLong otherMessages = new AtomicLong();
    private static int nextPort = 1024;

    @BeforeAll
    static void startGatewayAndNeighbour() {
        logs = FuzzLogs.quiet();
        boss = new NioEventLoopGroup(1);
        io = new NioEventLoopGroup(2);
        delivery = new DefaultEventExecutorGroup(2);
        server = new EspLinkServer(new ServerConfig().host("127.0.0.1").port(0).timeoutMs(TIMEOUT_MS)
                .handshakeTimeoutMs(HANDSHAKE_MS).maxLineLength(MAX_LINE)
                // every input comes from 127.0.0.1, thousands a second while fuzzing: the per-address limits
                // (LockOutTest's subject) would refuse them before their first line
                .maxConnectionsPerAddress(0).maxConnectionRatePerAddress(0), boss, io, delivery, null);
        server.addListener(null, new EspLinkListener() {
            @Override
            public AckMode ackMode() {
                return AckMode.RECEIVED;
            }

            @Override
            public boolean wantsEvents() {
                return false;
            }

            @Override
            public void onMessage(InboundMessage message) {
                if (NEIGHBOUR.equals(message.clientId())) {
                    fromNeighbour.add(message.payload());
                } else {
                    otherMessages.incrementAndGet();
                }
            }
        });
        server.start();
        gateway = EmbeddedGateway.of(server);
        neighbour = EspLinkClient.builder("127.0.0.1", server.localPort(), NEIGHBOUR).timeoutMs(TIMEOUT_MS).build();
        neighbour.onMessage(toNeighbour::add);
        neighbour.start();
        await().atMost(Duration.ofSeconds(10)).until(neighbour::isUp);
    }

    @AfterAll
    static void neighbourGotEverythingOnce() {
        try {
            exchange();
            settleNeighbour(Duration.ofSeconds(30));
            assertThat(logs.unexpectedErrors()).as("unexpected errors: %s", logs.unexpectedSamples()).isZero();
            System.out.printf("GatewayHandshakeFuzzTest: %d inputs, %d exchanges with the neighbour, %d messages from "
                              + "fuzzed nodes delivered, neighbour outages %d%n",
                    inputs, exchanged, otherMessages.get(), neighbour.outages());
            assertThat(neighbour.outages()).as("the neighbour's link never broke").isZero();
        } finally {
            if (neighbour != null) {
                neighbour.close();
            }
            if (server != null) {
                server.stop();
            }
            for (var g : Arrays.asList(boss, io, delivery)) {
                if (g != null) {
                    g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
            }
            if (logs != null) {
                logs.close();
            }
        }
    }

    // ------------------------------------------------------------------ the fuzz tests

    @FuzzTest(maxDuration = "5m")
    @DictionaryFile(resourcePath = "esplink.dict")
    void anyFirstBytesInTheRealPipeline(byte[] input) {
        Plan plan = Plan.of(input, Integer.MAX_VALUE);
        if (!beforeInput(plan)) {
            return;
        }
        Expect expect = Expect.of(plan, true);
        int connectionsBefore = server.connectionCount();
        long outagesBefore = neighbour.outages();
        NodeChannel ch = gateway.connect(nextPort());
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        boolean attached = false;
        int off = 0;
        byte[] s = plan.stream;
        for (int i = 0; i < plan.reads.length && ch.isOpen(); i++) {
            ch.advanceTimeBy(plan.pausesMs[i], TimeUnit.MILLISECONDS);
            settle(ch, written);
            if (!ch.isOpen()) {
                break;
            }
            ch.writeInbound(Unpooled.wrappedBuffer(s, off, plan.reads[i]));
            off += plan.reads[i];
            settle(ch, written);
            boolean now = ch.attr(Links.CLIENT_ID).get() != null;
            if (!now) {
                assertThat(written.size()).as("L14: bytes written before a valid ID line, input %s", plan).isZero();
            } else if (!attached) {
                attached = true;
                assertThat(i).as("the read that completed the ID line, input %s", plan).isEqualTo(expect.idRead);
                assertThat(lines(written)).as("L14: a keepalive at once after the ID, input %s", plan).contains("");
            }
        }
        assertThat(attached).as("ID accepted, input %s", plan).isEqualTo(expect.accepted);
        String reason = ch.attr(Links.CLOSE_REASON).get();
        if (expect.closeReason == null) {
            assertThat(ch.isOpen()).as("open (closed: %s), input %s", reason, plan).isTrue();
        } else {
            assertThat(ch.isOpen()).as("closed, input %s", plan).isFalse();
            assertThat(reason).as("close reason, input %s", plan).startsWith(expect.closeReason);
        }
        checkWritten(lines(written), expect, plan, false);
        ch.close();
        settle(ch, written);
        ch.finishAndReleaseAll(); // also fails if an exception reached the end of the pipeline
        if (attached) {
            assertThat(server.node(expect.clientId).connected()).as("session down after the close").isFalse();
        }
        if (neighbour.outages() == outagesBefore) {
            assertThat(server.connectionCount()).as("connections after the close").isEqualTo(connectionsBefore);
        }
        assertThat(logs.unexpectedErrors()).as("unexpected errors: %s", logs.unexpectedSamples()).isZero();
    }

    @FuzzTest(maxDuration = "5m")
    @DictionaryFile(resourcePath = "esplink.dict")
    void anyFirstBytesOverASocket(byte[] input) throws IOException {
        Plan plan = Plan.of(input, SOCKET_INPUT_MAX);
        if (!beforeInput(plan)) {
            return;
        }
        Expect expect = Expect.of(plan, false);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean reset;
        boolean writeFailed = false;
        // Jazzer's network sanitizer (on while fuzzing) reports every connection: loopback ones are expected here
        SilentCloseable allowed = BugDetectors.allowNetworkConnections((host, port) -> isLoopback(host));
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.localPort()), 2000);
            OutputStream out = socket.getOutputStream();
            int off = 0;
            try {
                for (int len : plan.reads) {
                    out.write(plan.stream, off, len);
                    out.flush();
                    off += len;
                }
                socket.shutdownOutput(); // the node's FIN: the gateway has all the bytes, and closes
            } catch (IOException e) {
                writeFailed = true; // the gateway closed already and the socket was reset: read what came
            }
            reset = readToEnd(socket, got, plan);
        } finally {
            allowed.close();
        }
        if (expect.accepted && expect.closeReason == null) {
            assertThat(writeFailed || reset).as("the gateway reset a connection the rules keep, input %s", plan)
                    .isFalse();
        }
        List<String> lines = lines(got);
        if (!expect.accepted) {
            assertThat(got.size()).as("L14: bytes written without a valid ID line, input %s", plan).isZero();
        } else {
            boolean cutShort = reset || expect.closeReason != null; // a reset may drop what was in flight
            checkWritten(lines, expect, plan, cutShort);
            if (!cutShort && got.size() > 0) {
                assertThat(got.toByteArray()).as("whole lines, input %s", plan).endsWith(Protocol.LF);
            }
            await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                NodeView v = server.node(expect.clientId);
                return v == null || !v.connected();
            });
        }
        assertThat(logs.unexpectedErrors()).as("unexpected errors: %s", logs.unexpectedSamples()).isZero();
    }

    // ------------------------------------------------------------------ shared steps

    /** Keeps the neighbour's traffic going and memory bounded; false to skip an input that would be unfair. */
    private static boolean beforeInput(Plan plan) {
        if (inputs % EXCHANGE_EVERY == 0) {
            settleNeighbour(Duration.ofSeconds(20));
            exchange();
        }
        if (inputs % FORGET_EVERY == FORGET_EVERY - 1) {
            gateway.forgetDisconnectedSessions(NEIGHBOUR);
        }
        inputs++;
        // the neighbour's ID while it is briefly away would take over its session: not what this test is about
        NodeView n = server.node(NEIGHBOUR);
        return !(plan.firstLineIs(NEIGHBOUR) && (n == null || !n.connected()));
    }

    /** After the ID: keepalives and ACKs only, the ACKs those of the message lines, in order (a prefix if cut). */
    private static void checkWritten(List<String> lines, Expect expect, Plan plan, boolean cutShort) {
        List<Integer> acks = new ArrayList<>();
        for (String line : lines) {
            if (line.isEmpty()) {
                continue;
            }
            assertThat(line).as("a line from the gateway that is neither KA nor ACK, input %s", plan)
                    .matches("[0-9a-f]{2}");
            acks.add(Integer.parseInt(line, 16));
        }
        if (cutShort) {
            assertThat(expect.acks).as("L9: ACKs written, input %s", plan).startsWith(acks.toArray(new Integer[0]));
        } else {
            assertThat(acks).as("L9: ACKs written, input %s", plan).isEqualTo(expect.acks);
        }
    }

    /** Runs what is due on the channel's loop (twice: a task may schedule a flush) and collects what it wrote. */
    private static void settle(NodeChannel ch, ByteArrayOutputStream written) {
        for (int i = 0; i < 3; i++) {
            ch.runPendingTasks();
        }
        for (Object o; (o = ch.readOutbound()) != null;) {
            ByteBuf b = (ByteBuf) o;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            written.writeBytes(bytes);
        }
    }

    /** Reads until the gateway closes; true if it reset the connection. Fails after {@link #SOCKET_WAIT_MS}. */
    private static boolean readToEnd(Socket socket, ByteArrayOutputStream got, Plan plan) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SOCKET_WAIT_MS);
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[512];
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            assertThat(left).as("the gateway closes after the node's FIN, input %s", plan).isPositive();
            socket.setSoTimeout((int) left);
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return true; // reset
            }
            if (n < 0) {
                return false;
            }
            got.write(buf, 0, n);
        }
    }

    private static List<String> lines(ByteArrayOutputStream bytes) {
        String text = bytes.toString(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        out.remove(out.size() - 1); // after the last newline: an unfinished line, or ""
        return out;
    }

    private static int nextPort() {
        nextPort = nextPort == 65535 ? 1024 : nextPort + 1;
        return nextPort;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ the neighbour

    /** One message each way between the gateway and the neighbour. */
    private static void exchange() {
        int k = exchanged++;
        unsettled.add(neighbour.send("up-" + k));
        CompletableFuture<Void> down = new CompletableFuture<>();
        server.send(NEIGHBOUR, "down-" + k, true, true, 0, failure -> {
            if (failure == null) {
                down.complete(null);
            } else {
                down.completeExceptionally(failure);
            }
        });
        unsettled.add(down);
    }

    /** Waits until everything exchanged so far arrived, and checks that it arrived once each, in order. */
    private static void settleNeighbour(Duration wait) {
        CompletableFuture<Void> all = CompletableFuture.allOf(unsettled.toArray(new CompletableFuture<?>[0]));
        await().atMost(wait).until(all::isDone);
        assertThat(all).isCompleted(); // not failed
        unsettled.clear();
        await().atMost(wait).until(() -> fromNeighbour.size() >= exchanged && toNeighbour.size() >= exchanged);
        assertThat(fromNeighbour).as("the neighbour's messages at the gateway")
                .containsExactlyElementsOf(numbered("up-", exchanged));
        assertThat(toNeighbour).as("the gateway's commands at the neighbour")
                .containsExactlyElementsOf(numbered("down-", exchanged));
    }

    private static List<String> numbered(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).collect(Collectors.toList());
    }

    // ------------------------------------------------------------------ input and expectations

    /** A fuzz input: reads (sizes, pauses before them) and the stream (see the class comment). */
    static final class Plan {
        final int[] reads;
        final long[] pausesMs;
        final byte[] stream;

        private Plan(int[] reads, long[] pausesMs, byte[] stream) {
            this.reads = reads;
            this.pausesMs = pausesMs;
            this.stream = stream;
        }

        static Plan of(byte[] in, int maxStream) {
            int n = Math.min(in.length == 0 ? 0 : in[0] & 0xff, Math.max(0, (in.length - 1) / 2));
            int from = 1 + 2 * n;
            int start = Math.min(from, in.length);
            byte[] stream = Arrays.copyOfRange(in, start, (int) Math.min(in.length, (long) start + maxStream));
            List<int[]> steps = new ArrayList<>();
            int off = 0;
            for (int i = 0; i < n && off < stream.length; i++) {
                int len = Math.min((in[1 + 2 * i] & 0xff) + 1, stream.length - off);
                steps.add(new int[] { len, 4 * (in[2 + 2 * i] & 0xff) });
                off += len;
            }
            if (off < stream.length) {
                steps.add(new int[] { stream.length - off, 0 });
            }
            return new Plan(steps.stream().mapToInt(x -> x[0]).toArray(),
                    steps.stream().mapToLong(x -> x[1]).toArray(), stream);
        }

        boolean firstLineIs(String id) {
            byte[] b = (id + "\n").getBytes(StandardCharsets.UTF_8);
            return stream.length >= b.length && Arrays.equals(stream, 0, b.length, b, 0, b.length);
        }

        @Override
        public String toString() {
            return "[reads " + Arrays.toString(reads) + ", pauses " + Arrays.toString(pausesMs) + " ms, stream "
                   + HexFormat.of().formatHex(stream) + " \"" + new String(stream, StandardCharsets.UTF_8)
                           .replace("\n", "\\n") + "\"]";
        }
    }

    /** What PROTOCOL.md (L3-L7, L9, L14, L17) says the gateway does with a plan. */
    static final class Expect {
        boolean accepted;
        String clientId;
        int idRead = -1;
        /** The reason the gateway closes the connection with (a prefix of it), or null if it stays open. */
        String closeReason;
        final List<Integer> acks = new ArrayList<>();

        static Expect of(Plan plan, boolean withPauses) {
            Expect e = new Expect();
            byte[] s = plan.stream;
            long clock = 0;
            int given = 0;
            for (int i = 0; i < plan.reads.length && !e.accepted; i++) {
                clock += withPauses ? plan.pausesMs[i] : 0;
                if (clock >= HANDSHAKE_MS) {
                    e.closeReason = "handshake timeout";
                    return e;
                }
                given += plan.reads[i];
                int lf = indexOf(s, Protocol.LF, given);
                if (lf < 0 ? given > ID_LINE_MAX : lf > ID_LINE_MAX) {
                    e.closeReason = "ID line too long";
                    return e;
                }
                if (lf < 0) {
                    continue;
                }
                String id = strictUtf8(s, lf);
                // the rules of a client ID are proven by DoorRulesTest; here they only decide the expected outcome
                if (id == null || ClientIds.problem(id, ClientIds.DEFAULT_MAX_LENGTH) != null) {
                    e.closeReason = "bad client ID";
                    return e;
                }
                if (id.equals(NEIGHBOUR)) {
                    e.closeReason = "duplicate client"; // L17: the neighbour is connected
                    return e;
                }
                e.accepted = true;
                e.clientId = id;
                e.idRead = i;
                FrameDecoderFuzzTest.Outcome rest = FrameDecoderFuzzTest.model(
                        Arrays.copyOfRange(s, lf + 1, s.length), MAX_LINE, false);
                for (FrameDecoderFuzzTest.Seen f : rest.frames()) {
                    if (f.type() == Frame.Type.MESSAGE) {
                        e.acks.add(f.mid());
                    }
                }
                if (rest.refused()) {
                    e.closeReason = "line too long";
                }
            }
            return e;
        }

        private static String strictUtf8(byte[] s, int len) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(s, 0, len))
                        .toString();
            } catch (CharacterCodingException x) {
                return null;
            }
        }

        private static int indexOf(byte[] s, byte b, int end) {
            for (int i = 0; i < end; i++) {
                if (s[i] == b) {
                    return i;
                }
            }
            return -1;
        }
    }
}
