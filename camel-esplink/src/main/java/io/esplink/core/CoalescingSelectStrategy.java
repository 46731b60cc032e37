package io.esplink.core;

import java.util.concurrent.locks.LockSupport;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;

/**
 * An event loop's choice between handling what is ready now and waiting for more, made so that an idle fleet wakes
 * a loop a few thousand times a second rather than once per keepalive. Each time the loop has handled what it had:
 * if tasks wait, or a poll without waiting finds channels ready, it goes on at once (a busy loop never pauses); only
 * when nothing at all is ready does it let {@code pauseNanos} pass before it blocks in the poll, so that the
 * keepalives that arrive meanwhile are all returned by one wakeup instead of waking the thread one by one. A task
 * submitted during the pause is run right after it (the loop counts as awake, so nobody writes its wakeup file
 * descriptor), and timers run at most {@code pauseNanos} late.
 */
final class CoalescingSelectStrategy implements SelectStrategy {

    private final long pauseNanos;

    CoalescingSelectStrategy(long pauseNanos) {
        this.pauseNanos = pauseNanos;
    }

    static SelectStrategyFactory factory(long pauseNanos) {
        return () -> new CoalescingSelectStrategy(pauseNanos);
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        int ready = selectNow.get();
        if (ready > 0 || hasTasks) {
            return ready;
        }
        LockSupport.parkNanos(pauseNanos);
        return SelectStrategy.SELECT;
    }
}
