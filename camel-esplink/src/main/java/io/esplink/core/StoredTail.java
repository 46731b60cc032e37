package io.esplink.core;

import java.util.Arrays;

/** The newest messages of one node that a store holds (see {@link WindowStore}): their message IDs, oldest first. */
public final class StoredTail {

    /** A store that holds nothing of the node. */
    public static final StoredTail EMPTY = new StoredTail(new int[0]);

    private final int[] messageIds;

    private StoredTail(int[] messageIds) {
        this.messageIds = messageIds;
    }

    /** @param messageIds the IDs of the node's latest stored messages in the order they were stored (oldest first) */
    public static StoredTail of(int... messageIds) {
        int[] ids = messageIds.clone();
        for (int mid : ids) {
            Protocol.checkMid(mid);
        }
        return ids.length == 0 ? EMPTY : new StoredTail(ids);
    }

    /** The stored message IDs, oldest first. */
    public int[] messageIds() {
        return messageIds.clone();
    }

    /** The duplicate window these messages leave (L10), as the live gateway would have it. */
    DuplicateWindow window() {
        DuplicateWindow w = new DuplicateWindow();
        for (int mid : messageIds) {
            w.accept(mid);
        }
        return w;
    }

    @Override
    public String toString() {
        return "StoredTail" + Arrays.toString(messageIds);
    }
}
