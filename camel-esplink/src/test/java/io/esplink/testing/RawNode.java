package io.esplink.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A node made of a raw socket, for tests where the exact bytes matter: the test writes what a node would and reads
 * line by line what the gateway sent. Every read has a deadline, so a test never hangs.
 */
public final class RawNode implements Closeable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Bytes of a line not complete yet: kept across reads that time out. */
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    public RawNode(int port) throws IOException {
        this(port, "127.0.0.1");
    }

    /** A node connecting from {@code localAddress} (any of 127.0.0.0/8 works on Linux: another source address). */
    public RawNode(int port, String localAddress) throws IOException {
        this.socket = new Socket(java.net.InetAddress.getByName("127.0.0.1"), port,
                java.net.InetAddress.getByName(localAddress), 0);
        this.socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Writes text as UTF-8, exactly as given (add the newlines yourself). */
    public RawNode write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    public RawNode writeBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * The next line the gateway sent, without its newline ("" for a keepalive), or null if none arrived within
     * {@code timeoutMs}.
     *
     * @throws IOException if the gateway closed the connection ({@link java.io.EOFException})
     */
    public String readLine(long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            socket.setSoTimeout((int) left);
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                return null;
            }
            if (b < 0) {
                throw new java.io.EOFException("the gateway closed the connection");
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                return text;
            }
            line.write(b);
        }
    }

    /** The next line that is not a keepalive, or null if none arrived within {@code timeoutMs}. */
    public String readNonKeepalive(long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            String line = readLine(left);
            if (line == null || !line.isEmpty()) {
                return line;
            }
        }
    }

    /** True if the gateway closed the connection within {@code timeoutMs} (lines before the close are skipped). */
    public boolean closedWithin(long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        try {
            while (System.currentTimeMillis() < deadline) {
                readLine(deadline - System.currentTimeMillis());
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Keeps the link alive for {@code durationMs} by writing a keepalive every 100 ms, and returns every line other
     * than a keepalive that the gateway sent meanwhile.
     */
    public java.util.List<String> keepAliveFor(long durationMs) throws IOException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        long deadline = System.currentTimeMillis() + durationMs;
        while (System.currentTimeMillis() < deadline) {
            write("\n");
            long until = Math.min(deadline, System.currentTimeMillis() + 100);
            String line;
            while ((line = readLine(Math.max(1, until - System.currentTimeMillis()))) != null) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
                if (System.currentTimeMillis() >= until) {
                    break;
                }
            }
        }
        return lines;
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
