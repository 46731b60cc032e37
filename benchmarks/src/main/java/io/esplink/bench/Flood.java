package io.esplink.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A few sockets that write big messages as fast as the gateway takes them and never read: the board scenario's
 * flood. Each thread binds its sockets to a loopback address of its own (127.0.0.10, .11, ...), and until the
 * deadline: connects, sends a new client ID line, waits a little, writes its lines (two hex digits of message ID,
 * then a payload of 'x' up to just under the default line limit) without reading a byte, closes, pauses, again.
 * A socket that makes no progress for {@code stallMs} (the gateway stopped reading) is closed by a watchdog, as is
 * every socket at the deadline, so that the flood always ends by itself. Blocking sockets, one thread each: a
 * handful of them, no selector.
 * <p>
 * {@link #bystander} is the other side: one well-behaved node (ID line, first line awaited, messages one at a
 * time with KAs, each resent after the link timeout) that tells whether the gateway still serves a node.
 */
final class Flood {

    /** What the flood does. */
    static final class Settings {
        InetSocketAddress target;
        int threads = 8;
        /** Thread i binds to 127.0.0.(firstSource + i); 0: the kernel's choice. */
        int firstSource = 10;
        Duration duration = Duration.ofSeconds(45);
        int linesPerConnection = 256;
        /** Bytes of 'x' after the two hex digits of each line (16 KB - 10: within the default 16 KB line limit). */
        int payloadBytes = 16 * 1024 - 10;
        /** After the ID line, before the first message line. */
        long afterIdMs = 60;
        /** After each connection, before the next. */
        long pauseMs = 50;
        /** A socket that writes nothing for this long is closed (counted as stalled). */
        long stallMs = 5000;
        String idPrefix = "flood";
    }

    /** What the flood did, summed over its threads. */
    record Result(long connections, long connectFailures, long idLines, long linesWritten, long bytesWritten,
                  long errors, long stalls, double seconds, List<String> errorSamples) {

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("connections", connections);
            m.put("connectFailures", connectFailures);
            m.put("idLines", idLines);
            m.put("linesWritten", linesWritten);
            m.put("bytesWritten", bytesWritten);
            m.put("errors", errors);
            m.put("stalls", stalls);
            m.put("seconds", LoadResult.round(seconds));
            m.put("errorSamples", errorSamples);
            return m;
        }
    }

    private final Settings settings;
    private final Worker[] workers;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong idLines = new AtomicLong();
    private final AtomicLong linesWritten = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private final List<String> errorSamples = new ArrayList<>();
    private volatile long deadline;
    private long started;
    private Thread watchdog;

    Flood(Settings settings) {
        this.settings = settings;
        this.workers = new Worker[settings.threads];
    }

    /** Starts the threads; the flood ends by itself at the deadline (or at {@link #stop}). */
    void start() throws UnknownHostException {
        started = System.nanoTime();
        deadline = started + settings.duration.toNanos();
        for (int i = 0; i < workers.length; i++) {
            InetAddress source = settings.firstSource > 0
                    ? InetAddress.getByAddress(new byte[] { 127, 0, 0, (byte) (settings.firstSource + i) }) : null;
            workers[i] = new Worker(i, source);
            workers[i].thread = new Thread(workers[i], "flood-" + i);
            workers[i].thread.setDaemon(true);
        }
        for (Worker w : workers) {
            w.thread.start();
        }
        watchdog = new Thread(this::watch, "flood-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Ends the flood now (the threads close their sockets and return). */
    void stop() {
        deadline = System.nanoTime();
    }

    /** Waits for every thread (at most until the deadline and twice the stall limit) and sums up. */
    Result join() throws InterruptedException {
        long end = deadline + 2 * settings.stallMs * 1_000_000L + 2_000_000_000L;
        for (Worker w : workers) {
            w.thread.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
        }
        deadline = Math.min(deadline, System.nanoTime());
        for (Worker w : workers) {
            w.closeSocket(); // a thread that did not end (it should have): its socket at least
        }
        watchdog.join(1000);
        long ended = started;
        for (Worker w : workers) {
            ended = Math.max(ended, w.endedAt != 0 ? w.endedAt : System.nanoTime());
        }
        List<String> samples;
        synchronized (errorSamples) {
            samples = new ArrayList<>(errorSamples);
        }
        return new Result(connections.get(), connectFailures.get(), idLines.get(), linesWritten.get(),
                bytesWritten.get(), errors.get(), stalls.get(), (ended - started) / 1e9, samples);
    }

    /** Closes the sockets that made no progress for the stall limit, and every socket at the deadline. */
    private void watch() {
        long stallNs = settings.stallMs * 1_000_000L;
        boolean running = true;
        while (running) {
            running = false;
            long now = System.nanoTime();
            for (Worker w : workers) {
                if (!w.thread.isAlive()) {
                    continue;
                }
                running = true;
                Socket s = w.socket;
                if (s == null) {
                    continue;
                }
                if (now - deadline >= 0) {
                    w.closeSocket(); // the deadline: a thread blocked in a write ends now
                } else if (now - w.lastProgress > stallNs) {
                    w.stalled = true;
                    stalls.incrementAndGet();
                    w.closeSocket();
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void error(String what) {
        errors.incrementAndGet();
        synchronized (errorSamples) {
            if (errorSamples.size() < 5 && !errorSamples.contains(what)) {
                errorSamples.add(what);
            }
        }
    }

    private final class Worker implements Runnable {
        final int index;
        final InetAddress source;
        final byte[] line;
        Thread thread;
        volatile Socket socket;
        volatile long lastProgress = System.nanoTime();
        volatile boolean stalled;
        volatile long endedAt;

        Worker(int index, InetAddress source) {
            this.index = index;
            this.source = source;
            this.line = new byte[2 + settings.payloadBytes + 1];
            java.util.Arrays.fill(line, (byte) 'x');
            line[line.length - 1] = '\n';
        }

        @Override
        public void run() {
            for (long n = 0; System.nanoTime() < deadline; n++) {
                connection(n);
                pause(settings.pauseMs);
            }
            endedAt = System.nanoTime();
        }

        private void connection(long n) {
            Socket s = new Socket();
            boolean connected = false;
            stalled = false;
            try {
                if (source != null) {
                    s.bind(new InetSocketAddress(source, 0));
                }
                lastProgress = System.nanoTime();
                socket = s;
                s.connect(settings.target, 2000);
                connected = true;
                connections.incrementAndGet();
                OutputStream out = s.getOutputStream();
                byte[] id = (settings.idPrefix + "-" + index + "-" + n + "\n").getBytes(StandardCharsets.US_ASCII);
                out.write(id);
                progress(id.length);
                idLines.incrementAndGet();
                pause(settings.afterIdMs);
                for (int k = 0; k < settings.linesPerConnection && System.nanoTime() < deadline; k++) {
                    int mid = k % 255 + 1;
                    line[0] = (byte) Character.forDigit(mid >> 4, 16);
                    line[1] = (byte) Character.forDigit(mid & 15, 16);
                    out.write(line);
                    progress(line.length);
                    linesWritten.incrementAndGet();
                }
            } catch (IOException e) {
                if (!connected) {
                    connectFailures.incrementAndGet();
                }
                if (!stalled && System.nanoTime() < deadline) {
                    error(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            } finally {
                socket = null;
                try {
                    s.close();
                } catch (IOException e) {
                    // closing
                }
            }
        }

        private void progress(int bytes) {
            bytesWritten.addAndGet(bytes);
            lastProgress = System.nanoTime();
        }

        void closeSocket() {
            Socket s = socket;
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing
                }
            }
        }

        private void pause(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                deadline = System.nanoTime();
            }
        }
    }

    // ---- the bystander ----

    /** What the bystander got: messages ACKed of those it sent, how long it took, and what went wrong. */
    record Bystander(int sent, int acked, double ms, String error) {

        boolean ok() {
            return error == null && acked == sent;
        }

        @Override
        public String toString() {
            return error == null ? String.format("%d/%d ACKed in %.0f ms", acked, sent, ms)
                    : String.format("%d/%d ACKed, %s after %.0f ms", acked, sent, error, ms);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sent", sent);
            m.put("acked", acked);
            m.put("ms", LoadResult.round(ms));
            m.put("error", error);
            return m;
        }
    }

    /**
     * One node from {@code source}: sends {@code idLine} (e.g. {@code id:secret}), waits for the gateway's first line
     * (L14), then sends {@code messages} messages with IDs 0, 1, 2... (a fresh boot, L8) one at a time (wait on, L21),
     * a KA whenever it wrote nothing for timeout/4 (L12), each message resent after {@code timeoutMs} without its
     * ACK (L20), every gateway message ACKed (L9); all within {@code within}.
     */
    static Bystander bystander(InetSocketAddress target, InetAddress source, String idLine, int messages,
                               long timeoutMs, Duration within) {
        long t0 = System.nanoTime();
        long end = t0 + within.toNanos();
        int acked = 0;
        try (Socket s = new Socket()) {
            if (source != null) {
                s.bind(new InetSocketAddress(source, 0));
            }
            s.connect(target, (int) Math.max(1, Math.min(timeoutMs, within.toMillis())));
            s.setTcpNoDelay(true);
            s.setSoTimeout(50);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write((idLine + "\n").getBytes(StandardCharsets.UTF_8));
            long lastWrite = System.nanoTime();
            long kaNs = timeoutMs * 1_000_000L / 4;
            StringBuilder partial = new StringBuilder();
            byte[] buf = new byte[4096];
            boolean up = false;
            int next = 0;
            long sentAt = 0;
            boolean waiting = false;
            long lastRead = System.nanoTime();
            while (acked < messages) {
                long now = System.nanoTime();
                if (now > end) {
                    return new Bystander(messages, acked, (now - t0) / 1e6, up ? "no ACK in time" : "no first line");
                }
                if (now - lastRead > 2 * timeoutMs * 1_000_000L) {
                    return new Bystander(messages, acked, (now - t0) / 1e6, "nothing from the gateway for 2 x timeout");
                }
                if (up && (!waiting || now - sentAt > timeoutMs * 1_000_000L)) {
                    // the next message, or the same one again with its ID (L20)
                    String msg = String.format("%02x{\"bystander\":%d}%n", next, next);
                    out.write(msg.getBytes(StandardCharsets.US_ASCII));
                    waiting = true;
                    sentAt = now;
                    lastWrite = now;
                } else if (up && now - lastWrite > kaNs) {
                    out.write('\n');
                    lastWrite = now;
                }
                int r;
                try {
                    r = in.read(buf);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (r < 0) {
                    return new Bystander(messages, acked, (System.nanoTime() - t0) / 1e6, "closed by the gateway");
                }
                lastRead = System.nanoTime();
                for (int i = 0; i < r; i++) {
                    char c = (char) (buf[i] & 0xff);
                    if (c != '\n') {
                        partial.append(c);
                        continue;
                    }
                    String l = partial.toString();
                    partial.setLength(0);
                    up = true; // any complete line (L14)
                    if (l.length() == 2 && waiting && Character.digit(l.charAt(0), 16) * 16
                                                      + Character.digit(l.charAt(1), 16) == next) {
                        acked++;
                        next++;
                        waiting = false;
                    } else if (l.length() > 2) {
                        out.write((l.substring(0, 2) + "\n").getBytes(StandardCharsets.US_ASCII)); // L9
                        lastWrite = System.nanoTime();
                    }
                }
            }
            return new Bystander(messages, acked, (System.nanoTime() - t0) / 1e6, null);
        } catch (IOException e) {
            return new Bystander(messages, acked, (System.nanoTime() - t0) / 1e6, e.getClass().getSimpleName() + ": "
                                                                                  + e.getMessage());
        }
    }
}
