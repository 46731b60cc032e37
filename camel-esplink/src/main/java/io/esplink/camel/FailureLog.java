package io.esplink.camel;

import java.time.Instant;

import org.slf4j.Logger;

/**
 * Whether a consumer's exchanges fail, logged once per change and not once per message: a route whose store refuses
 * writes fails for every message the nodes resend, and a log line each would bury the one that matters.
 * <p>
 * The first failure after a success is logged at WARN, and its end (the next success) at INFO; failures in between
 * go to DEBUG. A route that keeps flipping between the two (one node's messages fail, the others' pass) logs at most
 * one WARN per {@link #QUIET_MS}, and its recovery only if that WARN was logged.
 */
final class FailureLog {

    static final long QUIET_MS = 60_000;

    private final Logger log;
    private final String what;

    private boolean failing;
    private boolean announced;
    private long since;
    private long failuresNow;
    private long failuresTotal;
    private String lastCause;
    private long lastFailureAt;
    private long lastWarnAt = -QUIET_MS;

    /** @param what names the subject in log lines, e.g. "Route esplink-to-database" */
    FailureLog(Logger log, String what) {
        this.log = log;
        this.what = what;
    }

    /**
     * An exchange failed: {@code subject} names what it carried ("message 05 of node 'n1'"), {@code consequence} says
     * what became of it.
     */
    void failed(String subject, Throwable cause, String consequence) {
        String text = describe(cause);
        long now = System.currentTimeMillis();
        boolean warn;
        long failures;
        synchronized (this) {
            failuresTotal++;
            lastCause = text;
            lastFailureAt = now;
            if (!failing) {
                failing = true;
                since = now;
                failuresNow = 0;
                announced = false;
            }
            failures = ++failuresNow;
            warn = !announced && now - lastWarnAt >= QUIET_MS;
            if (warn) {
                announced = true;
                lastWarnAt = now;
            }
        }
        if (warn) {
            log.warn("{} failed on {}: {}. {}. Further failures are logged at DEBUG until it succeeds again.", what,
                    subject, text, consequence);
            log.debug("{}: the failure in full", what, cause);
        } else if (log.isDebugEnabled()) {
            log.debug("{} failed on {} ({} failures since {}): {}", what, subject, failures,
                    Instant.ofEpochMilli(since), text);
        }
    }

    /** An exchange succeeded. */
    void succeeded() {
        long failures;
        long from;
        boolean tell;
        synchronized (this) {
            if (!failing) {
                return;
            }
            failing = false;
            tell = announced;
            failures = failuresNow;
            from = since;
        }
        if (tell) {
            log.info("{} succeeds again, after {} failure(s) since {}", what, failures, Instant.ofEpochMilli(from));
        } else {
            log.debug("{} succeeds again, after {} failure(s) since {}", what, failures, Instant.ofEpochMilli(from));
        }
    }

    synchronized boolean isFailing() {
        return failing;
    }

    /** When the current run of failures began (epoch ms), or 0. */
    synchronized long failingSince() {
        return failing ? since : 0;
    }

    /** Failures in the current run. */
    synchronized long currentFailures() {
        return failing ? failuresNow : 0;
    }

    synchronized long totalFailures() {
        return failuresTotal;
    }

    synchronized String lastCause() {
        return lastCause;
    }

    synchronized long lastFailureAt() {
        return lastFailureAt;
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "rolled back";
        }
        StringBuilder sb = new StringBuilder(LogText.escape(String.valueOf(cause)));
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != cause) {
            sb.append(" (caused by ").append(LogText.escape(String.valueOf(root))).append(')');
        }
        return sb.toString();
    }
}
