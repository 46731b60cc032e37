package io.esplink.gateway;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EventTicketsTest {

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final EventTickets tickets = new EventTickets(clock::get);

    @Test
    void aTicketOpensOnceWithinItsTime() {
        String t = tickets.issue();
        assertThat(t).matches("[A-Za-z0-9_-]{22}");
        assertThat(tickets.redeem(t)).isTrue();
        assertThat(tickets.redeem(t)).as("spent").isFalse();

        String late = tickets.issue();
        clock.addAndGet(EventTickets.TTL_MS + 1);
        assertThat(tickets.redeem(late)).as("expired").isFalse();
        assertThat(tickets.redeem(null)).isFalse();
        assertThat(tickets.redeem("made-up")).isFalse();
    }

    @Test
    void ticketsAreUniqueAndBounded() {
        Set<String> issued = new HashSet<>();
        for (int i = 0; i < EventTickets.MAX_OUTSTANDING; i++) {
            issued.add(tickets.issue());
        }
        assertThat(issued).hasSize(EventTickets.MAX_OUTSTANDING);
        assertThat(tickets.issue()).as("too many waiting").isNull();
        clock.addAndGet(EventTickets.TTL_MS + 1);
        assertThat(tickets.issue()).as("the expired ones are gone").isNotNull();
    }
}
