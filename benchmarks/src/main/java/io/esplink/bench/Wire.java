package io.esplink.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The line protocol as the load tool and the ceiling server speak it (PROTOCOL.md L2-L10), written here rather than
 * taken from the component so that the tools measure the gateway without sharing its code.
 */
final class Wire {

    static final byte LF = '\n';
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** The ACK line of each message ID (L5). */
    static final byte[][] ACK_LINES = new byte[256][];
    static final byte[] KA_LINE = { LF };

    static {
        for (int mid = 0; mid < 256; mid++) {
            ACK_LINES[mid] = new byte[] { HEX[mid >> 4], HEX[mid & 0xf], LF };
        }
    }

    private Wire() {
    }

    /** The value of an ASCII hex digit of either case, or -1. */
    static int hex(int b) {
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

    /** The message ID at the start of a line of at least two bytes, or -1 if it does not start with two hex digits. */
    static int mid(byte[] a, int off, int len) {
        if (len < 2) {
            return -1;
        }
        int hi = hex(a[off]);
        int lo = hex(a[off + 1]);
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }

    static void putHex(byte[] a, int off, int mid) {
        a[off] = HEX[mid >> 4];
        a[off + 1] = HEX[mid & 0xf];
    }

    /** Message IDs of one sender (L8): 0 first, then 1..255, then 1 again. */
    static final class MidCounter {
        private int next;

        int take() {
            int m = next;
            next = m == 255 ? 1 : m + 1;
            return m;
        }
    }

    /**
     * The receiver's duplicate filter (L10): 256 bits; ID 0 clears them; an ID whose bit is set is a duplicate;
     * either way its bit is set and the byte 16 bytes away (IDs 128 apart) is cleared.
     */
    static final class DupWindow {
        private final byte[] bits = new byte[32];

        /** True if {@code mid} is new (deliver it), false for a duplicate. */
        boolean accept(int mid) {
            if (mid == 0) {
                Arrays.fill(bits, (byte) 0);
            }
            int i = mid >> 3;
            int bit = 1 << (mid & 7);
            boolean dup = (bits[i] & bit) != 0;
            bits[i] |= (byte) bit;
            bits[(i + 16) & 31] = 0;
            return !dup;
        }
    }

    /** Parses a non-negative decimal number that follows {@code key} in the line, or -1. */
    static long field(byte[] a, int off, int len, byte[] key) {
        int end = off + len;
        outer:
        for (int i = off; i <= end - key.length; i++) {
            for (int k = 0; k < key.length; k++) {
                if (a[i + k] != key[k]) {
                    continue outer;
                }
            }
            long v = 0;
            int j = i + key.length;
            if (j >= end || a[j] < '0' || a[j] > '9') {
                return -1;
            }
            while (j < end && a[j] >= '0' && a[j] <= '9') {
                v = v * 10 + (a[j++] - '0');
            }
            return v;
        }
        return -1;
    }
}
