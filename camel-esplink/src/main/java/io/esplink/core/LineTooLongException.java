package io.esplink.core;

import io.netty.handler.codec.DecoderException;

/** L7: a peer sent a line longer than the configured maximum; its connection is closed. */
public class LineTooLongException extends DecoderException {

    private final int maxLineLength;

    public LineTooLongException(int maxLineLength, int seen) {
        super("Line longer than the maximum of " + maxLineLength + " bytes (" + seen
              + " bytes without a newline): closing the connection (protocol rule L7)");
        this.maxLineLength = maxLineLength;
    }

    /** The maximum the line exceeded. */
    public int maxLineLength() {
        return maxLineLength;
    }
}
