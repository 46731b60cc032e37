package io.esplink.core;

import java.util.Arrays;

/**
 * What a store holds of one node (see {@link WindowStore}): the message IDs of its newest stored messages, oldest
 * first, or the duplicate window (L10) that all of its stored messages leave, for a store that keeps the window
 * itself.
 */
public final class StoredTail {

    /** A store that holds nothing of the node. */
    public static final StoredTail EMPTY = new StoredTail(new int[0], null);

    private final int[] messageIds;
    /** The window's state when the store gave a window, else null. */
    private final byte[] window;

    private StoredTail(int[] messageIds, byte[] window) {
        this.messageIds = messageIds;
        this.window = window;
    }

    /** @param messageIds the IDs of the node's latest stored messages in the order they were stored (oldest first) */
    public static StoredTail of(int... messageIds) {
        int[] ids = messageIds.clone();
        for (int mid : ids) {
            Protocol.checkMid(mid);
        }
        return ids.length == 0 ? EMPTY : new StoredTail(ids, null);
    }

    /**
     * @param window the duplicate window that the node's stored messages leave, in the order they were stored (each
     *               ID given to {@link DuplicateWindow#accept}); copied
     */
    public static StoredTail ofWindow(DuplicateWindow window) {
        return new StoredTail(new int[0], window.toBytes());
    }

    /** The stored message IDs, oldest first; empty for a tail given as a window ({@link #ofWindow}). */
    public int[] messageIds() {
        return messageIds.clone();
    }

    /** Whether the window these messages leave holds {@code mid}: a message with that ID would be a duplicate. */
    public boolean contains(int mid) {
        return window().contains(mid);
    }

    /** The duplicate window these messages leave (L10), as the live gateway would have it. */
    DuplicateWindow window() {
        if (window != null) {
            return DuplicateWindow.fromBytes(window);
        }
        DuplicateWindow w = new DuplicateWindow();
        for (int mid : messageIds) {
            w.accept(mid);
        }
        return w;
    }

    @Override
    public String toString() {
        return window != null ? "StoredTail[window]" : "StoredTail" + Arrays.toString(messageIds);
    }
}
