package io.esplink.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * One TCP connection of a {@link NioLoop}: cuts what it reads into lines at {@code \n} (L2) and stages what it
 * writes, so that everything one read produces (ACKs, the next message) leaves in one write call. Bytes of its own
 * only for a line cut across reads and for output the socket did not take at once.
 */
abstract class Link extends TimerHeap.Timed {

    /** Longest line kept: longer ones close the link. */
    static final int MAX_LINE = 64 * 1024;
    /** Output a link may hold that the socket has not taken: more closes it. */
    static final int MAX_PENDING = 4 * 1024 * 1024;

    final NioLoop loop;
    SocketChannel ch;
    SelectionKey key;
    private byte[] carry;
    private int carryLen;
    private ByteBuffer pending;
    private boolean staging;
    long lastRead;
    long lastWrite;

    Link(NioLoop loop) {
        this.loop = loop;
    }

    /** A complete line, without its newline; {@code a} is only valid during the call. */
    abstract void onLine(byte[] a, int off, int len, long now);

    /** The connection ended (by the peer, an error, or a line too long); the link is already closed. */
    abstract void onClosed(String reason, long now);

    /** The socket connected (for links that connect). */
    void onConnected(long now) {
    }

    boolean isOpen() {
        return ch != null;
    }

    boolean hasPendingOutput() {
        return pending != null && pending.position() > 0;
    }

    void attach(SocketChannel channel, int ops) throws IOException {
        this.ch = channel;
        this.key = channel.register(loop.selector, ops, this);
        carryLen = 0;
        if (pending != null) {
            pending.clear();
        }
    }

    final void ready(SelectionKey k) {
        if (!k.isValid()) {
            return;
        }
        long now = System.nanoTime();
        try {
            int ops = k.readyOps();
            if ((ops & SelectionKey.OP_CONNECT) != 0) {
                if (ch.finishConnect()) {
                    k.interestOps(SelectionKey.OP_READ);
                    onConnected(now);
                }
                return;
            }
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                flushPending();
            }
            if ((ops & SelectionKey.OP_READ) != 0 && ch != null) {
                read(now);
            }
        } catch (IOException e) {
            close(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), now);
        }
    }

    private void read(long now) throws IOException {
        ByteBuffer buf = loop.readBuf;
        beginStage();
        try {
            while (ch != null) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    endStage();
                    close("closed by peer", now);
                    return;
                }
                if (n == 0) {
                    break;
                }
                lastRead = now;
                if (!lines(buf.array(), n, now)) {
                    return;
                }
                if (n < buf.capacity()) {
                    break;
                }
            }
        } finally {
            if (staging) {
                endStage();
            }
        }
    }

    /** Splits {@code n} bytes into lines; false if the link was closed meanwhile. */
    private boolean lines(byte[] a, int n, long now) {
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] != Wire.LF) {
                continue;
            }
            if (carryLen > 0) {
                append(a, start, i - start);
                if (ch == null) {
                    return false;
                }
                int len = carryLen;
                carryLen = 0;
                onLine(carry, 0, len, now);
            } else {
                onLine(a, start, i - start, now);
            }
            if (ch == null) {
                return false;
            }
            start = i + 1;
        }
        if (start < n) {
            append(a, start, n - start);
        }
        return ch != null;
    }

    private void append(byte[] a, int off, int len) {
        if (carryLen + len > MAX_LINE) {
            close("line too long", System.nanoTime());
            return;
        }
        if (carry == null || carry.length < carryLen + len) {
            carry = Arrays.copyOf(carry == null ? new byte[0] : carry, Math.max(256, Integer.highestOneBit(carryLen + len) * 2));
        }
        System.arraycopy(a, off, carry, carryLen, len);
        carryLen += len;
    }

    /** Writes a line (or several), at once or when the current read is done. */
    void write(byte[] a, int off, int len) {
        if (ch == null) {
            return;
        }
        lastWrite = System.nanoTime();
        if (hasPendingOutput()) {
            queue(a, off, len);
            return;
        }
        boolean wasStaging = staging;
        if (!wasStaging) {
            beginStage();
        }
        ByteBuffer s = loop.stage;
        if (s.remaining() < len) {
            endStage();
            if (ch == null) {
                return;
            }
            if (hasPendingOutput()) {
                queue(a, off, len);
                if (wasStaging) {
                    beginStage();
                }
                return;
            }
            beginStage();
            if (s.remaining() < len) {
                queue(a, off, len);
                endStage();
                if (wasStaging) {
                    beginStage();
                }
                return;
            }
        }
        s.put(a, off, len);
        if (!wasStaging) {
            endStage();
        }
    }

    void write(byte[] line) {
        write(line, 0, line.length);
    }

    private void beginStage() {
        loop.stage.clear();
        staging = true;
    }

    private void endStage() {
        staging = false;
        ByteBuffer s = loop.stage;
        s.flip();
        if (!s.hasRemaining() || ch == null) {
            s.clear();
            return;
        }
        try {
            ch.write(s);
        } catch (IOException e) {
            s.clear();
            close(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), System.nanoTime());
            return;
        }
        if (s.hasRemaining()) {
            queue(s.array(), s.position(), s.remaining());
            key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        }
        s.clear();
    }

    private void queue(byte[] a, int off, int len) {
        if (pending == null) {
            pending = ByteBuffer.allocate(Math.max(1024, len));
        }
        if (pending.remaining() < len) {
            if (pending.position() + len > MAX_PENDING) {
                close("output not taken by the peer", System.nanoTime());
                return;
            }
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + len));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(a, off, len);
    }

    private void flushPending() throws IOException {
        if (pending == null) {
            key.interestOps(SelectionKey.OP_READ);
            return;
        }
        pending.flip();
        ch.write(pending);
        pending.compact();
        if (pending.position() == 0) {
            key.interestOps(SelectionKey.OP_READ);
            if (pending.capacity() > 64 * 1024) {
                pending = null; // give back what a blocked socket made it grow to
            }
        }
    }

    /** Closes the connection (if open) and tells {@link #onClosed}. */
    void close(String reason, long now) {
        if (ch == null) {
            return;
        }
        closeQuietly();
        onClosed(reason, now);
    }

    /** Closes the connection without telling anyone. */
    void closeQuietly() {
        SocketChannel c = ch;
        ch = null;
        staging = false;
        if (key != null) {
            key.cancel();
            key = null;
        }
        carryLen = 0;
        if (pending != null) {
            pending.clear();
        }
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // gone anyway
            }
        }
    }
}
