package io.esplink.core;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Constants and encoders of the micropython-iot line protocol (rules L1-L22 of PROTOCOL.md).
 * <p>
 * Everything on the wire is a UTF-8 line ending with {@code \n} (L2): an empty line is a keepalive (L4), two hex
 * digits are an ACK, two hex digits followed by a payload are a message (L5).
 */
public final class Protocol {

    /** L1: the default listening port of the gateway. */
    public static final int DEFAULT_PORT = 8123;
    /** L12: the default outage timeout in milliseconds. */
    public static final long DEFAULT_TIMEOUT_MS = 2000;
    /** L15: the default hold after the node's first bytes before messages are sent to it. */
    public static final long DEFAULT_WRITE_DELAY_MS = 200;
    /** L7: the default maximum length of one line, without its newline. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 16 * 1024;

    public static final byte LF = '\n';

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf KEEPALIVE = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(1, 1).writeByte(LF).asReadOnly());
    private static final ByteBuf[] ACKS = new ByteBuf[256];

    static {
        for (int mid = 0; mid < 256; mid++) {
            ByteBuf b = Unpooled.directBuffer(3, 3);
            b.writeByte(HEX[mid >> 4]).writeByte(HEX[mid & 0xf]).writeByte(LF);
            ACKS[mid] = Unpooled.unreleasableBuffer(b.asReadOnly());
        }
    }

    private Protocol() {
    }

    /** A keepalive line (L4), ready to write: a view on a shared, unreleasable buffer. */
    public static ByteBuf keepalive() {
        return KEEPALIVE.duplicate();
    }

    /** The ACK line of message {@code mid} (L5), ready to write: a view on a shared, unreleasable buffer. */
    public static ByteBuf ack(int mid) {
        return ACKS[checkMid(mid)].duplicate();
    }

    /**
     * Encodes a message line: two lowercase hex digits of {@code mid}, the payload, {@code \n} (L5). The payload must
     * have passed {@link #checkPayload(String)}.
     */
    public static ByteBuf message(ByteBufAllocator alloc, int mid, String payload) {
        checkMid(mid);
        ByteBuf buf = alloc.buffer(3 + ByteBufUtil.utf8MaxBytes(payload));
        buf.writeByte(HEX[mid >> 4]).writeByte(HEX[mid & 0xf]);
        ByteBufUtil.writeUtf8(buf, payload);
        buf.writeByte(LF);
        return buf;
    }

    /** The UTF-8 length of a message line for {@code payload}, newline included. */
    public static int messageLineLength(String payload) {
        return 3 + ByteBufUtil.utf8Bytes(payload);
    }

    /**
     * Checks that a payload can travel as one message line: it must not be empty (it would read as an ACK, L5) and
     * must not contain a newline (L2).
     *
     * @return the payload
     * @throws IllegalArgumentException if it cannot
     */
    public static String checkPayload(String payload) {
        if (payload == null || payload.isEmpty()) {
            throw new IllegalArgumentException(
                    "An empty payload cannot be sent: it would read as an ACK (protocol rule L5)");
        }
        int nl = payload.indexOf('\n');
        if (nl >= 0) {
            throw new IllegalArgumentException(
                    "A payload cannot contain a newline (protocol rule L2): found one at index " + nl
                                               + " of a payload of " + payload.length() + " characters");
        }
        return payload;
    }

    /** Checks that a client ID can be written as an ID line (L3). */
    public static String checkClientId(String clientId) {
        if (clientId == null || clientId.isEmpty()) {
            throw new IllegalArgumentException("A client ID must not be empty (protocol rule L3)");
        }
        if (clientId.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("A client ID must not contain a newline (protocol rule L2)");
        }
        return clientId;
    }

    /** The value of an ASCII hex digit of either case (L5), or -1. */
    public static int hexValue(int b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    /** Formats a message ID as the two lowercase hex digits written on the wire. */
    public static String hex(int mid) {
        checkMid(mid);
        return new String(new byte[] { HEX[mid >> 4], HEX[mid & 0xf] }, StandardCharsets.US_ASCII);
    }

    static int checkMid(int mid) {
        if (mid < 0 || mid > 255) {
            throw new IllegalArgumentException("A message ID is 0..255, not " + mid);
        }
        return mid;
    }
}
