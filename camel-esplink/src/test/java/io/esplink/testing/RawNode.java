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

    public RawNode(int port) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
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
        ByteArrayOutputStream line = new ByteArrayOutputStream();
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
                return line.toString(StandardCharsets.UTF_8);
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

    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
