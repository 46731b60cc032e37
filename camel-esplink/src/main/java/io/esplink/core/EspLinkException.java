package io.esplink.core;

/** A failure of the esplink link layer. */
public class EspLinkException extends RuntimeException {

    public EspLinkException(String message) {
        super(message);
    }

    public EspLinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
