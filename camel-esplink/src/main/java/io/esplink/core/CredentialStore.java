package io.esplink.core;

/**
 * Who may connect as which node: the gateway side of node credentials. A node proves its client ID with a secret
 * after it in its ID line ({@code MY_ID = "kitchen:<secret>"} in the unmodified client's settings); the gateway checks
 * the secret against the node's {@link Credential}, strips it, and the node is {@code kitchen} everywhere else.
 * {@link CredentialsFile} keeps them in a file; implement this for another place (a database, a vault).
 */
@FunctionalInterface
public interface CredentialStore {

    /** The credential of {@code clientId}, or null if the store has none for it. Called on an event loop: be quick. */
    Credential find(String clientId);
}
