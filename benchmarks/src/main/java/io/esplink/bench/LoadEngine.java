package io.esplink.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

import org.HdrHistogram.Histogram;

/**
 * The load tool's nodes on one {@link NioLoop} thread. Each {@link Node} behaves as micropython-iot's
 * {@code iot/client.py}: ID line on connect, nothing more until the gateway's first line (L14), a KA when it wrote
 * nothing for timeout/4 (L12), an outage after timeout without a byte and a reconnection 2 x timeout later (L13),
 * qos and wait (L20, L21: a message is resent with its ID on ACK timeout and after an outage; with wait at most one
 * unACKed), every gateway message ACKed (L9) and filtered by a 256-bit window (L10), IDs 0,1..255,1.. (L8).
 */
final class LoadEngine extends NioLoop {

    enum Mode {
        ingest, echo, idle, storm
    }

    /** What a run asks of the nodes. */
    static final class Settings {
        Mode mode = Mode.ingest;
        InetSocketAddress target;
        List<InetSocketAddress> sources = List.of();
        /** One ID line per node (client ID, or id:secret). */
        List<String> idLines;
        long timeoutMs = 2000;
        /** Messages per second per node; 0: as fast as ACKs (and echoes) allow. */
        double rate;
        int size = 64;
        /** Messages a node may have unACKed: 1 is wait on (L21). */
        int maxUnacked = 1;
        /** New connections per second; 0: all at once. */
        double connectRate;
        long echoTimeoutMs = 20_000;
        long seed = 42;
    }

    private static final byte[] KEY_S = "\"s\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY_T = "\"t\":".getBytes(StandardCharsets.US_ASCII);

    final Settings settings;
    final Node[] nodes;
    final Counters counters = new Counters();
    /** Send to ACK, microseconds (from the intended send time when rate-driven). */
    final Histogram ackLatency = new Histogram(60_000_000L, 3);
    /** Send to echo, microseconds. */
    final Histogram echoLatency = new Histogram(60_000_000L, 3);
    /** Connect phase start to each node's first time up, microseconds. */
    final Histogram firstUp = new Histogram(600_000_000L, 3);
    /** Connect phase start to the TCP connection of each node's first time up (its ID line written), microseconds. */
    final Histogram firstConnected = new Histogram(600_000_000L, 3);
    /** ID line written to the gateway's first line, for each node's first time up, microseconds. */
    final Histogram firstLine = new Histogram(600_000_000L, 3);
    /** The loop's own lag from the start of connecting until every node had been up once. */
    long connectPhaseMaxLateNs;
    long connectPhaseLateTimers;
    private final long timeoutNs;
    private final long kaNs;
    private final long intervalNs;
    private final long echoTimeoutNs;
    private final byte[] lineBuf;
    private final SplittableRandom random;
    final long base = System.nanoTime();
    private long connectStart;
    private int everUp;
    private int upNow;
    private long allUpAt = -1;
    private boolean sending;
    private boolean recording;
    private boolean stopping;

    LoadEngine(Settings s) {
        this.settings = s;
        this.timeoutNs = s.timeoutMs * 1_000_000L;
        this.kaNs = timeoutNs / 4;
        this.intervalNs = s.rate > 0 ? (long) (1e9 / s.rate) : 0;
        this.echoTimeoutNs = s.echoTimeoutMs * 1_000_000L;
        this.random = new SplittableRandom(s.seed);
        this.nodes = new Node[s.idLines.size()];
        int maxId = 0;
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = new Node(i, s.idLines.get(i),
                    s.sources.isEmpty() ? null : s.sources.get(i % s.sources.size()));
            maxId = Math.max(maxId, nodes[i].clientId.length);
        }
        this.lineBuf = new byte[Math.max(s.size, 64 + maxId) + 8];
    }

    // ---- the controller's view (called on the loop thread through call/execute) ----

    /** Starts connecting every node (at once, or at the connect rate). */
    void connectAll() {
        if (settings.connectRate <= 0) {
            // a node that is switched on has its socket ready: "at once" is the connects alone, not the tool's
            // opening of 15,000 sockets before each of them
            for (Node n : nodes) {
                n.prepare();
            }
        }
        connectStart = System.nanoTime();
        timers.resetLateness();
        for (int i = 0; i < nodes.length; i++) {
            long at = settings.connectRate > 0 ? connectStart + (long) (i * 1e9 / settings.connectRate) : connectStart;
            timers.schedule(nodes[i], at);
        }
    }

    int everUp() {
        return everUp;
    }

    int upNow() {
        return upNow;
    }

    /** Nanoseconds from the start of connecting until every node had been up once, or -1. */
    long allUpNs() {
        return allUpAt < 0 ? -1 : allUpAt - connectStart;
    }

    boolean sendsMessages() {
        return settings.mode == Mode.ingest || settings.mode == Mode.echo;
    }

    void startSending() {
        if (!sendsMessages() || sending) {
            return;
        }
        sending = true;
        long now = System.nanoTime();
        for (Node n : nodes) {
            n.nextSendAt = intervalNs > 0 ? now + random.nextLong(intervalNs) : now;
            if (n.state == State.UP) {
                n.trySend(now);
                n.reschedule(now);
            }
        }
    }

    void stopSending() {
        sending = false;
    }

    void recording(boolean on) {
        recording = on;
    }

    /** Messages still unACKed plus echoes still awaited. */
    long outstanding() {
        long n = 0;
        for (Node node : nodes) {
            n += node.count + (node.awaitingEcho ? 1 : 0);
        }
        return n;
    }

    /** Closes every connection; the nodes stop. */
    void closeNodes() {
        stopping = true;
        sending = false;
        for (Node n : nodes) {
            timers.cancel(n);
            if (n.state == State.UP) {
                upNow--;
            }
            n.state = State.STOPPED;
            n.closeQuietly();
            if (n.prepared != null) {
                try {
                    n.prepared.close();
                } catch (IOException e) {
                    // closing anyway
                }
                n.prepared = null;
            }
        }
    }

    @Override
    void closeAll() {
        closeNodes();
    }

    // ---- nodes ----

    enum State {
        NEW, CONNECTING, HANDSHAKE, UP, DOWN, STOPPED
    }

    final class Node extends Link {
        final int index;
        final byte[] idLine;
        final byte[] clientId;
        final InetSocketAddress source;
        State state = State.NEW;
        long handshakeDeadline;
        long reconnectAt;
        boolean wasUp;
        /** When this connection's ID line was written. */
        long connectedAt;
        /** A socket opened ahead of the first connect, or null. */
        SocketChannel prepared;
        final Wire.MidCounter mids = new Wire.MidCounter();
        final Wire.DupWindow window = new Wire.DupWindow();
        long nextSeq;
        long nextSendAt;
        // messages in flight, a FIFO ring of maxUnacked
        final int[] mid;
        final long[] seq;
        final long[] intended;
        final long[] ackDeadline;
        int head;
        int count;
        boolean awaitingEcho;
        long awaitedSeq;
        long echoDeadline;

        Node(int index, String idLine, InetSocketAddress source) {
            super(LoadEngine.this);
            this.index = index;
            this.idLine = (idLine + "\n").getBytes(StandardCharsets.UTF_8);
            int colon = idLine.indexOf(':');
            this.clientId = (colon > 0 ? idLine.substring(0, colon) : idLine).getBytes(StandardCharsets.UTF_8);
            this.source = source;
            int m = settings.maxUnacked;
            mid = new int[m];
            seq = new long[m];
            intended = new long[m];
            ackDeadline = new long[m];
        }

        @Override
        void onTimer(long now) {
            switch (state) {
                case NEW:
                case DOWN:
                    if (state == State.DOWN && now < reconnectAt) {
                        timers.schedule(this, reconnectAt);
                        return;
                    }
                    connect(now);
                    return;
                case HANDSHAKE:
                    if (now >= handshakeDeadline) {
                        counters.handshakeTimeouts++;
                        closeQuietly();
                        down(now);
                    } else {
                        timers.schedule(this, handshakeDeadline);
                    }
                    return;
                case UP:
                    if (now - lastRead >= timeoutNs) {
                        counters.outagesTimeout++;
                        closeQuietly();
                        down(now);
                        return;
                    }
                    boolean blocked = hasPendingOutput();
                    for (int k = 0; k < count && !blocked; k++) {
                        int i = (head + k) % mid.length;
                        if (now >= ackDeadline[i]) {
                            resend(i, now);
                        }
                    }
                    if (awaitingEcho && now >= echoDeadline) {
                        counters.echoTimeouts++;
                        awaitingEcho = false;
                    }
                    trySend(now);
                    if (now - lastWrite >= kaNs && !hasPendingOutput()) {
                        write(Wire.KA_LINE);
                    }
                    reschedule(now);
                    return;
                default:
                    // CONNECTING waits for the kernel; STOPPED for nothing
            }
        }

        /** Wakes at the earliest of this up node's deadlines. */
        void reschedule(long now) {
            if (state != State.UP) {
                return;
            }
            long next = Math.min(lastWrite + kaNs, lastRead + timeoutNs);
            for (int k = 0; k < count; k++) {
                next = Math.min(next, ackDeadline[(head + k) % mid.length]);
            }
            if (awaitingEcho) {
                next = Math.min(next, echoDeadline);
            }
            if (sending && intervalNs > 0 && canSend()) {
                next = Math.min(next, nextSendAt);
            }
            timers.schedule(this, Math.max(next, now));
        }

        /** Opens this node's socket ahead of its first connect; a failure here is met again at the connect. */
        void prepare() {
            try {
                prepared = open();
            } catch (IOException e) {
                prepared = null;
            }
        }

        private SocketChannel open() throws IOException {
            SocketChannel c = SocketChannel.open();
            try {
                c.configureBlocking(false);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (source != null) {
                    c.bind(source);
                }
                return c;
            } catch (IOException e) {
                c.close();
                throw e;
            }
        }

        private void connect(long now) {
            SocketChannel c = prepared;
            prepared = null;
            try {
                if (c == null) {
                    c = open();
                }
                state = State.CONNECTING;
                boolean done = c.connect(settings.target);
                attach(c, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
                if (done) {
                    onConnected(now);
                }
            } catch (IOException e) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (IOException e2) {
                        // closing anyway
                    }
                }
                ch = null;
                counters.connectFailures++;
                down(now);
            }
        }

        @Override
        void onConnected(long now) {
            counters.connects++;
            state = State.HANDSHAKE;
            lastRead = now;
            connectedAt = now;
            handshakeDeadline = now + 2 * timeoutNs;
            write(idLine);
            timers.schedule(this, handshakeDeadline);
        }

        private void down(long now) {
            if (state == State.UP) {
                upNow--;
            }
            if (stopping) {
                state = State.STOPPED;
                return;
            }
            state = State.DOWN;
            awaitingEcho = false; // an echo sent before the outage may never come: stop waiting for it
            reconnectAt = now + 2 * timeoutNs;
            timers.schedule(this, reconnectAt);
        }

        @Override
        void onClosed(String reason, long now) {
            switch (state) {
                case CONNECTING:
                    counters.connectFailures++;
                    break;
                case HANDSHAKE:
                    counters.refused++;
                    break;
                case UP:
                    counters.outagesClosed++;
                    break;
                default:
            }
            down(now);
        }

        @Override
        void onLine(byte[] a, int off, int len, long now) {
            if (state == State.HANDSHAKE) {
                up(now);
            }
            if (len == 0) {
                return; // KA (L4)
            }
            int m = Wire.mid(a, off, len);
            if (m < 0) {
                counters.badLines++;
                return;
            }
            if (len == 2) {
                onAck(m, now);
            } else {
                onMessage(m, a, off + 2, len - 2, now);
            }
        }

        private void up(long now) {
            state = State.UP;
            counters.ups++;
            upNow++;
            if (!wasUp) {
                wasUp = true;
                everUp++;
                firstUp.recordValue(Math.max(0, (now - connectStart) / 1000));
                firstConnected.recordValue(Math.max(0, (connectedAt - connectStart) / 1000));
                firstLine.recordValue(Math.max(0, (now - connectedAt) / 1000));
                if (everUp == nodes.length) {
                    allUpAt = now;
                    connectPhaseMaxLateNs = timers.maxLateNs;
                    connectPhaseLateTimers = timers.lateCount;
                }
            }
            // L20: whatever was unACKed when the link went down goes again, with its ID
            for (int k = 0; k < count; k++) {
                resend((head + k) % mid.length, now);
            }
            trySend(now);
            reschedule(now);
        }

        private void onAck(int m, long now) {
            for (int k = 0; k < count; k++) {
                int i = (head + k) % mid.length;
                if (mid[i] != m) {
                    continue;
                }
                counters.acked++;
                if (recording) {
                    ackLatency.recordValue(Math.max(0, (now - intended[i]) / 1000));
                }
                // remove slot i, keeping FIFO order
                for (int j = k; j > 0; j--) {
                    int to = (head + j) % mid.length;
                    int from = (head + j - 1) % mid.length;
                    mid[to] = mid[from];
                    seq[to] = seq[from];
                    intended[to] = intended[from];
                    ackDeadline[to] = ackDeadline[from];
                }
                head = (head + 1) % mid.length;
                count--;
                trySend(now);
                reschedule(now);
                return;
            }
            counters.strayAcks++;
        }

        private void onMessage(int m, byte[] a, int off, int len, long now) {
            write(Wire.ACK_LINES[m]); // L9: every message line, duplicates included
            if (!window.accept(m)) {
                counters.duplicates++;
                return;
            }
            counters.received++;
            if (settings.mode != Mode.echo) {
                return;
            }
            long s = Wire.field(a, off, len, KEY_S);
            long t = Wire.field(a, off, len, KEY_T);
            if (s < 0 || t < 0) {
                return;
            }
            counters.echoed++;
            if (recording) {
                echoLatency.recordValue(Math.max(0, (now - (base + t)) / 1000));
            }
            if (awaitingEcho && s == awaitedSeq) {
                awaitingEcho = false;
                trySend(now);
                reschedule(now);
            }
        }

        boolean canSend() {
            return count < mid.length && !awaitingEcho && !hasPendingOutput();
        }

        void trySend(long now) {
            while (sending && state == State.UP && canSend() && (intervalNs == 0 || nextSendAt <= now)) {
                long when = now;
                if (intervalNs > 0) {
                    when = nextSendAt;
                    nextSendAt += intervalNs;
                }
                int i = (head + count) % mid.length;
                mid[i] = mids.take();
                seq[i] = nextSeq++;
                intended[i] = when;
                ackDeadline[i] = now + timeoutNs;
                count++;
                counters.sent++;
                if (settings.mode == Mode.echo) {
                    awaitingEcho = true;
                    awaitedSeq = seq[i];
                    echoDeadline = now + echoTimeoutNs;
                }
                writeMessage(i);
            }
        }

        private void resend(int i, long now) {
            counters.retransmissions++;
            ackDeadline[i] = now + timeoutNs;
            writeMessage(i);
        }

        /**
         * Two hex digits of ID, then a payload of {@code size} bytes (longer only if node, sequence and time do not
         * fit): {"n":"<client ID>","s":<sequence>,"t":<intended send time, ns>,"p":"xxx..."}. The same message is
         * always the same line.
         */
        private void writeMessage(int i) {
            byte[] b = lineBuf;
            Wire.putHex(b, 0, mid[i]);
            int p = 2;
            p = put(b, p, "{\"n\":\"");
            System.arraycopy(clientId, 0, b, p, clientId.length);
            p += clientId.length;
            p = put(b, p, "\",\"s\":");
            p = putLong(b, p, seq[i]);
            p = put(b, p, ",\"t\":");
            p = putLong(b, p, intended[i] - base);
            p = put(b, p, ",\"p\":\"");
            int end = 2 + settings.size - 2; // room for the closing "}
            while (p < end) {
                b[p++] = 'x';
            }
            b[p++] = '"';
            b[p++] = '}';
            b[p++] = Wire.LF;
            write(b, 0, p);
        }
    }

    private static int put(byte[] b, int p, String ascii) {
        for (int k = 0; k < ascii.length(); k++) {
            b[p++] = (byte) ascii.charAt(k);
        }
        return p;
    }

    private static int putLong(byte[] b, int p, long v) {
        if (v == 0) {
            b[p++] = '0';
            return p;
        }
        int start = p;
        while (v > 0) {
            b[p++] = (byte) ('0' + v % 10);
            v /= 10;
        }
        for (int i = start, j = p - 1; i < j; i++, j--) {
            byte x = b[i];
            b[i] = b[j];
            b[j] = x;
        }
        return p;
    }
}
