package io.esplink.gateway;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Tickets for the status page's event stream: a browser's {@code EventSource} cannot send an
 * {@code Authorization} header, so the page first asks {@code POST /ui/tickets} with the token for a ticket and opens
 * {@code GET /ui/events?ticket=...} with it.
 * <p>
 * A ticket is 128 random bits, good for {@value #TTL_MS} ms and for one stream: it is spent when the stream opens, so a
 * ticket that reaches a log, a proxy or the browser's history after that opens nothing. It opens the event stream only,
 * never the API. At most {@value #MAX_OUTSTANDING} wait to be used (only token holders can ask for them).
 * <p>
 * Why not a cookie: cookies are not kept apart by port, so a cookie of {@code 127.0.0.1:8080} would also go to every
 * other service of the machine, and a cookie that opens the API would make every cross-site form a request with the
 * user's rights (CSRF). A ticket goes only where the page sends it.
 */
final class EventTickets {

    static final long TTL_MS = 30_000;
    static final int MAX_OUTSTANDING = 10_000;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> expiries = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    EventTickets() {
        this(System::currentTimeMillis);
    }

    EventTickets(LongSupplier clock) {
        this.clock = clock;
    }

    /** A new ticket, or null when {@value #MAX_OUTSTANDING} are waiting already. */
    String issue() {
        long now = clock.getAsLong();
        if (expiries.size() >= MAX_OUTSTANDING / 2) {
            expiries.values().removeIf(expiry -> expiry < now);
        }
        if (expiries.size() >= MAX_OUTSTANDING) {
            return null;
        }
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        expiries.put(ticket, now + TTL_MS);
        return ticket;
    }

    /** Spends {@code ticket}: true once for a ticket issued less than {@value #TTL_MS} ms ago, false after. */
    boolean redeem(String ticket) {
        if (ticket == null) {
            return false;
        }
        Long expiry = expiries.remove(ticket);
        return expiry != null && expiry >= clock.getAsLong();
    }
}
