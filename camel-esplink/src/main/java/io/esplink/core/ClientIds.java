package io.esplink.core;

import java.nio.charset.StandardCharsets;

/**
 * What a client ID must be to pass the gateway's door: checked on the ID line (L3) before anything else happens, so
 * that an ID can be logged, stored as a file name or a database key and used in a route without surprises.
 */
public final class ClientIds {

    /** The default longest client ID, in bytes of UTF-8: fits every ready store (file names, the table's column). */
    public static final int DEFAULT_MAX_LENGTH = 64;
    /** The longest secret an ID line may carry after the client ID and a colon ({@code kitchen:<secret>}). */
    public static final int MAX_SECRET_LENGTH = 128;

    private ClientIds() {
    }

    /**
     * The rule {@code id} breaks, in words for a log line, or null if it is a fine client ID: 1 to
     * {@code maxBytes} bytes of UTF-8; no control or format characters (line breaks, escapes, bidirectional
     * overrides); no space at either end; not the broadcast address {@code *}; no Camel property placeholder
     * ({@code {{} or {@code }}}), which a dynamic endpoint would resolve.
     */
    public static String problem(String id, int maxBytes) {
        if (id == null || id.isEmpty()) {
            return "an empty client ID";
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            return "a client ID of " + bytes + " bytes (at most " + maxBytes + ")";
        }
        if (EspLinkServer.BROADCAST.equals(id)) {
            return "the broadcast address '*' as a client ID";
        }
        for (int i = 0; i < id.length(); i++) {
            int c = id.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || c == 0xFFFD) {
                return "a control, format or replacement character (U+" + String.format("%04X", c) + ") in the "
                       + "client ID";
            }
        }
        if (Character.isWhitespace(id.charAt(0)) || Character.isWhitespace(id.charAt(id.length() - 1))) {
            return "a space at the start or end of the client ID";
        }
        if (id.contains("{{") || id.contains("}}")) {
            return "a Camel property placeholder ({{ or }}) in the client ID";
        }
        return null;
    }

    /** Text from a node made safe for one log line: control characters escaped, cut to {@code max} characters. */
    public static String escape(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 8);
        int n = Math.min(s.length(), max);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > max) {
            sb.append("...(").append(s.length()).append(" characters)");
        }
        return sb.toString();
    }

    /** {@link #escape(String, int)} at a length fit for client IDs and short lines. */
    public static String escape(String s) {
        return escape(s, 100);
    }
}
