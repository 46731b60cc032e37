package io.esplink.camel;

/** Text from nodes or from failures made safe for one log line. */
final class LogText {

    private static final int MAX = 300;

    private LogText() {
    }

    /**
     * {@code s} with control characters escaped (a CR or LF from a node cannot forge a log line) and cut to a few
     * hundred characters.
     */
    static String escape(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = null;
        int n = Math.min(s.length(), MAX);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (sb == null) {
                    sb = new StringBuilder(n + 16).append(s, 0, i);
                }
                sb.append(String.format("\\x%02x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        String out = sb != null ? sb.toString() : s.substring(0, n);
        return s.length() > MAX ? out + "...(" + s.length() + " characters)" : out;
    }
}
