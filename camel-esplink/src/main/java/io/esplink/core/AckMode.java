package io.esplink.core;

/** When the gateway ACKs a node's message. */
public enum AckMode {
    /** At once, on receipt, as the reference server does (L9). */
    RECEIVED,
    /**
     * Only after the listener reported success: a failed delivery leaves the message unacknowledged and unmarked, so
     * the node's retransmission is delivered again.
     */
    PROCESSED
}
