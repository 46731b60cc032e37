package io.esplink.core;

/** L17: what happens when a connection carries the client ID of a session that is up. */
public enum DuplicateClientPolicy {
    /**
     * The default: {@link #REPLACE} when the newcomer proved its client ID with a secret (only the node itself can
     * have it, so the old connection is a stale one, left half-open by a reboot, say), {@link #REJECT} otherwise (the
     * reference's behaviour: with nothing to tell a node from an impostor, the first one stays).
     */
    AUTO,
    /** Keep the first connection and close the newcomer with a warning (the reference's behaviour). */
    REJECT,
    /** Close the old connection and attach the newcomer (for nodes that reboot faster than the timeout). */
    REPLACE
}
