package io.esplink.core;

/**
 * The receiver's duplicate filter of one peer (L10): a 256-bit window of message IDs seen recently. Marking an ID
 * forgets the eight IDs of the byte 16 bytes away (IDs about 128 apart), so that every ID is forgotten before the
 * sender's counter comes round to it again. Not thread-safe: owned by one peer's state.
 */
public final class DuplicateWindow {

    private final byte[] bits = new byte[32];

    /**
     * L10 in one step: ID 0 clears the window (the peer restarted); then the ID is new if its bit was clear; either
     * way its bit is set.
     *
     * @return true if the message is new and must be delivered, false for a duplicate
     */
    public boolean accept(int mid) {
        if (mid == 0) {
            clear();
        }
        boolean fresh = !contains(mid);
        mark(mid);
        return fresh;
    }

    /** True if the ID's bit is set. */
    public boolean contains(int mid) {
        return (bits[mid >> 3] & 1 << (mid & 7)) != 0;
    }

    /** Sets the ID's bit and clears the byte 16 bytes away. */
    public void mark(int mid) {
        int idx = mid >> 3;
        bits[idx] |= (byte) (1 << (mid & 7));
        bits[(idx + 16) & 0x1f] = 0;
    }

    /** Forgets every ID. */
    public void clear() {
        java.util.Arrays.fill(bits, (byte) 0);
    }

    /** The window's state: 32 bytes, bit {@code mid & 7} of byte {@code mid >> 3} set for a seen ID. */
    public byte[] toBytes() {
        return bits.clone();
    }

    /** A window in the state {@link #toBytes()} gave. */
    public static DuplicateWindow fromBytes(byte[] state) {
        if (state == null || state.length != 32) {
            throw new IllegalArgumentException("A duplicate window is 32 bytes, not "
                                               + (state == null ? "null" : state.length));
        }
        DuplicateWindow w = new DuplicateWindow();
        System.arraycopy(state, 0, w.bits, 0, 32);
        return w;
    }
}
