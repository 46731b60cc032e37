package io.esplink.camel.store;

/** A store that cannot be written: its message names the store's location and the cause. */
public class StoreUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
