package io.esplink.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The protocol's least work, in one thread: the reference the gateway's figures are divided by. It accepts, reads the
 * ID line (L3), sends a KA at once and then every timeout/4 (L12, L14), closes a link silent for timeout (L13) or
 * without an ID line within timeout, ACKs every message (L9) and filters duplicates per client ID (L10, the window
 * and the counter outlive connections as sessions do, L11, L16), and with {@code --echo} sends each new message back
 * as a message of its own (its own IDs, L8) with qos and wait: one unACKed per node, resent after timeout or on the
 * next connection (L20, L21), nothing before 200 ms after the node's first bytes (L15). No storage, no routing, no
 * limits, no authentication (an ID line id:secret counts as id).
 */
@Command(name = "ceiling", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
         description = "The ceiling server: the micropython-iot protocol's least work in one NIO thread.")
public final class CeilingServer extends NioLoop implements Callable<Integer> {

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port; 0 picks one (default: ${DEFAULT-VALUE}).")
    int port = 8124;

    @Option(names = "--timeout", description = "Link timeout in ms (default: ${DEFAULT-VALUE}).")
    long timeoutMs = 2000;

    @Option(names = "--echo", description = "Send every new message back to its node.")
    boolean echo;

    @Option(names = "--backlog", description = "Listen backlog (the kernel caps it at net.core.somaxconn; default: "
                                               + "${DEFAULT-VALUE}).")
    int backlog = 4096;

    @Option(names = "--write-delay", description = "L15: ms after the node's first bytes before messages go to it "
                                                   + "(default: ${DEFAULT-VALUE}).")
    long writeDelayMs = 200;

    private final Map<String, Session> sessions = new HashMap<>();
    private final List<Conn> conns = new ArrayList<>();
    private final CountDownLatch bound = new CountDownLatch(1);
    private ServerSocketChannel server;
    private long timeoutNs;
    private long kaNs;
    private long writeDelayNs;
    private volatile long accepted;
    private volatile long messages;
    private volatile long echoes;

    public static void main(String[] args) {
        System.exit(Main.commandLine(new CeilingServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int p = bind();
        System.out.printf("ceiling server listening on %s:%d (timeout %d ms%s)%n", host, p, timeoutMs,
                echo ? ", echo" : "");
        System.out.flush();
        Thread t = start("esplink-ceiling");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.printf("ceiling server: accepted %d, messages %d, echoes %d%n", accepted, messages, echoes);
            System.out.flush();
        }));
        t.join();
        return 0;
    }

    /** Binds the listening socket (call before {@link #start}); returns the port. */
    int bind() throws IOException {
        timeoutNs = timeoutMs * 1_000_000L;
        kaNs = timeoutNs / 4;
        writeDelayNs = writeDelayMs * 1_000_000L;
        server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(new InetSocketAddress(host, port), backlog);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT, (Runnable) this::accept);
        bound.countDown();
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    long messages() {
        return messages;
    }

    long echoes() {
        return echoes;
    }

    private void accept() {
        long now = System.nanoTime();
        for (int i = 0; i < 256; i++) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return;
            }
            if (c == null) {
                return;
            }
            accepted++;
            Conn conn = new Conn();
            try {
                c.configureBlocking(false);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                conn.attach(c, SelectionKey.OP_READ);
            } catch (IOException e) {
                conn.closeQuietly();
                continue;
            }
            conn.lastRead = now;
            conn.index = conns.size();
            conns.add(conn);
            timers.schedule(conn, now + timeoutNs); // the ID line must come within timeout
        }
    }

    @Override
    void closeAll() {
        for (Conn c : new ArrayList<>(conns)) {
            c.closeQuietly();
        }
        conns.clear();
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** What outlives a connection: the window and the counter of IDs of one client ID, and its echoes. */
    static final class Session {
        final Wire.DupWindow window = new Wire.DupWindow();
        final Wire.MidCounter mids = new Wire.MidCounter();
        final ArrayDeque<byte[]> queue = new ArrayDeque<>();
        Conn conn;
        /** The echo line in flight (ID included), or null. */
        byte[] inflight;
        long inflightSentAt;
    }

    final class Conn extends Link {
        int index = -1;
        Session session;
        long nextKa;
        long holdUntil;

        Conn() {
            super(CeilingServer.this);
        }

        @Override
        void onLine(byte[] a, int off, int len, long now) {
            if (session == null) {
                attachSession(new String(a, off, len, StandardCharsets.UTF_8), now);
                return;
            }
            if (len == 0) {
                return; // KA
            }
            int m = Wire.mid(a, off, len);
            if (m < 0) {
                return; // L6: dropped
            }
            Session s = session;
            if (len == 2) {
                if (s.inflight != null && Wire.mid(s.inflight, 0, 2) == m) {
                    s.inflight = null;
                    sendEcho(now);
                }
                return;
            }
            write(Wire.ACK_LINES[m]);
            if (!s.window.accept(m)) {
                return;
            }
            messages++;
            if (echo) {
                byte[] line = new byte[len + 1];
                System.arraycopy(a, off, line, 0, len);
                line[len] = Wire.LF;
                s.queue.add(line);
                sendEcho(now);
            }
        }

        private void attachSession(String idLine, long now) {
            int colon = idLine.indexOf(':');
            String id = colon > 0 ? idLine.substring(0, colon) : idLine;
            Session s = sessions.computeIfAbsent(id, k -> new Session());
            if (s.conn != null && s.conn != this) {
                s.conn.close("replaced", now);
            }
            s.conn = this;
            session = s;
            holdUntil = now + writeDelayNs;
            if (s.inflight != null) {
                s.inflightSentAt = now - timeoutNs; // L20: resent as soon as the hold is over
            }
            write(Wire.KA_LINE); // L14: the first line, at once
            nextKa = now + kaNs;
            timers.schedule(this, Math.min(nextKa, s.queue.isEmpty() && s.inflight == null ? Long.MAX_VALUE : holdUntil));
        }

        /** Sends the next echo when none is unACKed (wait) and the hold after connecting is over (L15). */
        private void sendEcho(long now) {
            Session s = session;
            if (s.inflight != null || s.queue.isEmpty()) {
                return;
            }
            if (now < holdUntil) {
                timers.wakeBy(this, holdUntil);
                return;
            }
            byte[] payloadLine = s.queue.poll();
            byte[] line = payloadLine; // the node's line: its two hex digits become ours
            Wire.putHex(line, 0, s.mids.take());
            s.inflight = line;
            s.inflightSentAt = now;
            echoes++;
            write(line);
            timers.wakeBy(this, now + timeoutNs);
        }

        @Override
        void onTimer(long now) {
            if (ch == null) {
                return;
            }
            if (now - lastRead >= timeoutNs) {
                close(session == null ? "no ID line" : "timeout", now);
                return;
            }
            if (session == null) {
                timers.schedule(this, lastRead + timeoutNs);
                return;
            }
            if (now >= nextKa) {
                write(Wire.KA_LINE); // a fixed period, as the gateway's (L12)
                nextKa += kaNs;
                if (nextKa <= now) {
                    nextKa = now + kaNs;
                }
            }
            Session s = session;
            if (s.inflight != null && now - s.inflightSentAt >= timeoutNs && now >= holdUntil) {
                s.inflightSentAt = now;
                write(s.inflight); // L20: the same line, the same ID
            } else if (s.inflight == null) {
                sendEcho(now);
            }
            long next = Math.min(nextKa, lastRead + timeoutNs);
            if (s.inflight != null) {
                next = Math.min(next, Math.max(holdUntil, s.inflightSentAt + timeoutNs));
            } else if (!s.queue.isEmpty()) {
                next = Math.min(next, holdUntil);
            }
            timers.schedule(this, Math.max(next, now));
        }

        @Override
        void onClosed(String reason, long now) {
            detach();
        }

        @Override
        void closeQuietly() {
            super.closeQuietly();
            detach();
        }

        private void detach() {
            timers.cancel(this);
            if (session != null && session.conn == this) {
                session.conn = null;
            }
            if (index >= 0) {
                Conn last = conns.remove(conns.size() - 1);
                if (last != this) {
                    conns.set(index, last);
                    last.index = index;
                }
                index = -1;
            }
        }
    }
}
