package io.esplink.core;

/** L17: what happens when a connection carries the client ID of a session that is up. */
public enum DuplicateClientPolicy {
    /** Keep the first connection and close the newcomer with a warning (the reference's behaviour). */
    REJECT,
    /** Close the old connection and attach the newcomer (for nodes that reboot faster than the timeout). */
    REPLACE
}
