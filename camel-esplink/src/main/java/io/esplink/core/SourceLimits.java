package io.esplink.core;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per source address: how many connections are open, and a token bucket of new connections per second. One address
 * can then neither fill the gateway's connection limit nor flood it with handshakes. Entries of addresses with no
 * connection and a full bucket are dropped by {@link #sweep}, so the map stays as small as the traffic.
 */
final class SourceLimits {

    private final int maxPerAddress;
    private final int ratePerSecond;
    private final Map<InetAddress, Source> sources = new ConcurrentHashMap<>();

    /**
     * @param maxPerAddress connections open at once from one address (0: no limit)
     * @param ratePerSecond new connections per second from one address, with bursts of as many (0: no limit)
     */
    SourceLimits(int maxPerAddress, int ratePerSecond) {
        this.maxPerAddress = maxPerAddress;
        this.ratePerSecond = ratePerSecond;
    }

    /** A new connection from {@code address}: null if it may stay (it is counted), else why not. */
    String admit(InetAddress address) {
        Source s = sources.computeIfAbsent(address, a -> new Source(ratePerSecond));
        synchronized (s) {
            if (ratePerSecond > 0 && !s.take(ratePerSecond)) {
                return "more than " + ratePerSecond + " new connections per second from " + address.getHostAddress();
            }
            if (maxPerAddress > 0 && s.open >= maxPerAddress) {
                return "more than " + maxPerAddress + " connections open from " + address.getHostAddress();
            }
            s.open++;
            return null;
        }
    }

    /** A connection counted by {@link #admit} closed. */
    void release(InetAddress address) {
        Source s = sources.get(address);
        if (s != null) {
            synchronized (s) {
                s.open = Math.max(0, s.open - 1);
            }
        }
    }

    /** Drops idle addresses: no connection open and a bucket that has filled again. */
    void sweep() {
        for (Iterator<Source> it = sources.values().iterator(); it.hasNext();) {
            Source s = it.next();
            synchronized (s) {
                s.refill(ratePerSecond);
                if (s.open == 0 && (ratePerSecond == 0 || s.tokens >= ratePerSecond)) {
                    it.remove();
                }
            }
        }
    }

    int addresses() {
        return sources.size();
    }

    private static final class Source {
        int open;
        double tokens;
        long refilledAt = System.nanoTime();

        Source(int rate) {
            this.tokens = rate;
        }

        boolean take(int rate) {
            refill(rate);
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }

        void refill(int rate) {
            long now = System.nanoTime();
            tokens = Math.min(rate, tokens + (now - refilledAt) / 1e9 * rate);
            refilledAt = now;
        }
    }
}
