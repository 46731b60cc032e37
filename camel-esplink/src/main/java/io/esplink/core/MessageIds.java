package io.esplink.core;

/**
 * The message ID counter of one sender (L8): 0 first, then 1..255, then 1 again; 0 is never reused, so a receiver
 * seeing 0 knows the sender restarted. Not thread-safe: owned by one peer's state.
 */
public final class MessageIds {

    private int next;

    /** The ID of the next message, advancing the counter. */
    public int next() {
        int mid = next;
        next = mid == 255 ? 1 : mid + 1;
        return mid;
    }

    /** The ID that {@link #next()} returns next, without advancing. */
    public int peek() {
        return next;
    }
}
