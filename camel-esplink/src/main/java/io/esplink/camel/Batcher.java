package io.esplink.camel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
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
    /**
     * A flush is handed to the executor and has not run yet: one is enough. Without this, every item added between a
     * full batch and its flush handed one more flush over (thousands in a reconnect storm), until the executor's
     * bounded queue refused them and the items were lost.
     */
    private boolean flushQueued;
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
                flushNow = !inFlight && !flushQueued && waiting.size() >= maxSize;
                flushQueued |= flushNow;
                if (!inFlight && !flushNow && !flushQueued && timer == null) {
                    startTimer();
                }
            }
        }
        if (stopped) {
            refused.accept(message); // the route is stopping (a message: the node resends it)
            return;
        }
        if (flushNow) {
            queueFlush();
        }
    }

    /** Hands a flush to the executor; the caller set {@link #flushQueued}. */
    private void queueFlush() {
        try {
            executor.execute(this::flush);
        } catch (RejectedExecutionException e) {
            // the executor stops (so does this batcher: stop() refuses what waits) or its queue is full of other
            // work: what waits goes with the next flush, the interval's at the latest
            synchronized (this) {
                flushQueued = false;
                if (!inFlight && !waiting.isEmpty() && timer == null && !stopped) {
                    startTimer();
                }
            }
        }
    }

    /** The interval's timer; none if the executor refuses it (it stops: stop() refuses what waits). Holds the lock. */
    private void startTimer() {
        try {
            timer = executor.schedule(this::flushOnTimer, intervalMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            timer = null;
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
            if (!onTimer) {
                flushQueued = false;
            }
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
            more = !waiting.isEmpty() && !flushQueued;
            flushQueued |= more;
        }
        if (more) {
            queueFlush();
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
