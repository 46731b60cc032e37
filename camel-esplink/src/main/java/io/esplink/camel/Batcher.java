package io.esplink.camel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Gathers node messages (or connection events) into batches for a batching consumer: a batch goes out when it holds
 * {@code maxSize} items, or {@code intervalMs} after its first item came, and at once when the previous batch
 * completed with items waiting (a commit per batch takes what arrived meanwhile: group commit). One batch is in
 * flight at a time, so batches complete in order, and so do each node's items within and across them.
 *
 * @param <T> what is batched: {@link io.esplink.core.InboundMessage}s or {@link EspLinkEvent}s
 */
final class Batcher<T> {

    private final int maxSize;
    private final long intervalMs;
    private final ScheduledExecutorService executor;
    /** Processes a batch and calls the runnable when it completed (from any thread). */
    private final BiConsumer<List<T>, Runnable> process;
    /** Told of each item that is not processed because the batcher stopped (a message: not acknowledged). */
    private final Consumer<T> refused;

    private final ArrayDeque<T> waiting = new ArrayDeque<>();
    private boolean inFlight;
    private ScheduledFuture<?> timer;
    private boolean stopped;

    Batcher(int maxSize, long intervalMs, ScheduledExecutorService executor,
            BiConsumer<List<T>, Runnable> process, Consumer<T> refused) {
        this.maxSize = maxSize;
        this.intervalMs = intervalMs;
        this.executor = executor;
        this.process = process;
        this.refused = refused;
    }

    /** An item to batch; from any thread. */
    void add(T message) {
        boolean flushNow;
        synchronized (this) {
            if (stopped) {
                flushNow = false;
            } else {
                waiting.add(message);
                flushNow = !inFlight && waiting.size() >= maxSize;
                if (!inFlight && !flushNow && timer == null) {
                    timer = executor.schedule(this::flushOnTimer, intervalMs, TimeUnit.MILLISECONDS);
                }
            }
        }
        if (stopped) {
            refused.accept(message); // the route is stopping (a message: the node resends it)
            return;
        }
        if (flushNow) {
            executor.execute(this::flush);
        }
    }

    /** The interval's end: the timer that runs this is done, not cancelled (a cancel costs a queue removal). */
    private void flushOnTimer() {
        flush(true);
    }

    private void flush() {
        flush(false);
    }

    private void flush(boolean onTimer) {
        List<T> batch;
        synchronized (this) {
            if (timer != null) {
                if (!onTimer) {
                    timer.cancel(false);
                }
                timer = null;
            }
            if (inFlight || waiting.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(Math.min(maxSize, waiting.size()));
            while (batch.size() < maxSize && !waiting.isEmpty()) {
                batch.add(waiting.poll());
            }
            inFlight = true;
        }
        process.accept(batch, this::completed);
    }

    private void completed() {
        boolean more;
        synchronized (this) {
            inFlight = false;
            more = !waiting.isEmpty();
        }
        if (more) {
            executor.execute(this::flush);
        }
    }

    /** Refuses what waits (a message: the node resends it) and takes no more. */
    void stop() {
        List<T> left;
        synchronized (this) {
            stopped = true;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            left = new ArrayList<>(waiting);
            waiting.clear();
        }
        left.forEach(refused);
    }
}
