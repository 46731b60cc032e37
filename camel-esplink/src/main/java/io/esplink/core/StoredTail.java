package io.esplink.core;

import java.util.Arrays;

/**
 * The newest messages of one node that a store holds (see {@link WindowStore}): their message IDs, oldest first, and
 * the payload of the newest.
 */
public final class StoredTail {

    /** A store that holds nothing of the node. */
    public static final StoredTail EMPTY = new StoredTail(new int[0], null);

    private final int[] messageIds;
    private final String lastPayload;

    private StoredTail(int[] messageIds, String lastPayload) {
        this.messageIds = messageIds;
        this.lastPayload = lastPayload;
    }

    /**
     * @param messageIds  the IDs of the node's latest stored messages in the order they were stored (oldest first)
     * @param lastPayload the payload of the last of them; needed when its ID is 0, may be null otherwise
     */
    public static StoredTail of(int[] messageIds, String lastPayload) {
        int[] ids = messageIds.clone();
        for (int mid : ids) {
            Protocol.checkMid(mid);
        }
        return ids.length == 0 ? EMPTY : new StoredTail(ids, lastPayload);
    }

    /** The stored message IDs, oldest first. */
    public int[] messageIds() {
        return messageIds.clone();
    }

    public String lastPayload() {
        return lastPayload;
    }

    /** The duplicate window these messages leave (L10), as the live gateway would have it. */
    DuplicateWindow window() {
        DuplicateWindow w = new DuplicateWindow();
        for (int mid : messageIds) {
            w.accept(mid);
        }
        return w;
    }

    /** The ID of the newest stored message, or -1 when there is none. */
    int lastMessageId() {
        return messageIds.length == 0 ? -1 : messageIds[messageIds.length - 1];
    }

    @Override
    public String toString() {
        return "StoredTail" + Arrays.toString(messageIds);
    }
}
