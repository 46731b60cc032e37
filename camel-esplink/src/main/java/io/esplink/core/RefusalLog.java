package io.esplink.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;

/**
 * Refused connections, counted by reason and logged in bounded amounts: the first refusal of each reason in a minute
 * is logged at WARN with its details, the others at DEBUG, and a minute with more is summed up in one WARN line. A
 * flood of hostile connections thus writes a few lines a minute, not one each.
 */
final class RefusalLog {

    static final long PERIOD_MS = 60_000;

    private final Logger log;
    private final boolean info;
    private final int perPeriod;
    private final Map<String, Integer> loggedNow = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> total = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> suppressed = new ConcurrentHashMap<>();
    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();
    private final LongAdder all = new LongAdder();

    RefusalLog(Logger log) {
        this(log, false, 1);
    }

    /**
     * @param info      log at INFO rather than WARN
     * @param perPeriod lines per kind and minute before the rest go to DEBUG and the summary
     */
    RefusalLog(Logger log, boolean info, int perPeriod) {
        this.log = log;
        this.info = info;
        this.perPeriod = perPeriod;
    }

    /** One refusal: {@code reason} is its kind (a few words, no node data), the rest is the detail for the log. */
    void refused(String reason, String format, Object... args) {
        all.increment();
        total.computeIfAbsent(reason, r -> new LongAdder()).increment();
        long now = System.currentTimeMillis();
        Long last = lastWarned.get(reason);
        boolean loud;
        synchronized (this) {
            if (last == null || now - last >= PERIOD_MS) {
                lastWarned.put(reason, now);
                loggedNow.put(reason, 1);
                loud = true;
            } else {
                int n = loggedNow.merge(reason, 1, Integer::sum);
                loud = n <= perPeriod;
            }
        }
        if (loud) {
            String f = perPeriod == 1 ? format + " (more of this kind are summed up once a minute)" : format;
            if (info) {
                log.info(f, args);
            } else {
                log.warn(f, args);
            }
        } else {
            suppressed.computeIfAbsent(reason, r -> new LongAdder()).increment();
            if (log.isDebugEnabled()) {
                log.debug(format, args);
            }
        }
    }

    /** Logs one line with the refusals not logged since the last call, if any; call about once a minute. */
    void summarise() {
        Map<String, Long> counts = new TreeMap<>();
        for (Map.Entry<String, LongAdder> e : suppressed.entrySet()) {
            long n = e.getValue().sumThenReset();
            if (n > 0) {
                counts.put(e.getKey(), n);
            }
        }
        if (!counts.isEmpty()) {
            long sum = counts.values().stream().mapToLong(Long::longValue).sum();
            if (info) {
                log.info("{} more in the last minute: {}", sum, counts);
            } else {
                log.warn("{} more connection(s) in the last minute: {}", sum, counts);
            }
        }
    }

    long total() {
        return all.sum();
    }

    /** Refusals so far by reason. */
    Map<String, Long> byReason() {
        Map<String, Long> out = new TreeMap<>();
        total.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
