package io.esplink.camel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Gathers node messages (or connection events) into batches for a batching consumer: a batch goes out when it holds
 * {@code maxSize} items (or {@code maxBytes}), or {@code intervalMs} after its first item came. One batch is in
 * flight at a time, so batches complete in order, and so do each node's items within and across them; what came
 * while a batch was in flight goes when it completed, at once if it is full or its first item waited the interval
 * already, else when it has (group commit: a commit per batch takes what arrived meanwhile). So a store's fixed cost
 * per batch (a sync) is paid at most about once per interval when messages are few, not back to back, and batches
 * still go back to back when they fill.
 * <p>
 * With a settle time (connection events), items wait instead until none came for {@code settleMs}, or until the
 * oldest waited {@code maxDelayMs}, or until {@link #SETTLE_LIMIT} wait; then they go in batches of {@code maxSize},
 * back to back. Thousands of nodes connecting at once are then stored after they connected, not while: the CPU goes
 * to their handshakes first.
 *
 * @param <T> what is batched: {@link io.esplink.core.InboundMessage}s or {@link EspLinkEvent}s
 */
final class Batcher<T> {

    /** With a settle time: the most items that wait for it; more go at once (memory stays bounded). */
    static final int SETTLE_LIMIT = 100_000;

    private final int maxSize;
    /** A batch's bytes ({@link #weigher}), at most: a batch holds at least one item however large. */
    private long maxBytes = Long.MAX_VALUE;
    private ToLongFunction<T> weigher = t -> 0;
    private long waitingBytes;
    private int settleLimit = SETTLE_LIMIT;
    /** 0: batches by the interval; else the quiet time items wait for. */
    private final long settleNanos;
    private final long maxDelayNanos;
    /** The settle time's clock, in nanoseconds (tests move it by hand). */
    LongSupplier clock = System::nanoTime;
    /** When the latest item came (with a settle time), and when the oldest waiting one did. */
    private long lastAdd;
    private long firstAdd;
    private final long intervalNanos;
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
        this(maxSize, intervalMs, 0, 0, executor, process, refused);
    }

    /**
     * @param settleMs   0: batches by {@code intervalMs}; else items wait until none came for this long
     * @param maxDelayMs with a settle time: the longest the oldest waiting item waits
     */
    Batcher(int maxSize, long intervalMs, long settleMs, long maxDelayMs, ScheduledExecutorService executor,
            BiConsumer<List<T>, Runnable> process, Consumer<T> refused) {
        this.maxSize = maxSize;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.settleNanos = TimeUnit.MILLISECONDS.toNanos(settleMs);
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(settleMs, maxDelayMs));
        this.executor = executor;
        this.process = process;
        this.refused = refused;
    }

    /**
     * Bounds each batch to {@code maxBytes} as {@code weigher} counts them (besides maxSize): a batch goes out when
     * that many wait, and takes no more. Call before the first item.
     */
    Batcher<T> bytes(long maxBytes, ToLongFunction<T> weigher) {
        this.maxBytes = maxBytes;
        this.weigher = weigher;
        return this;
    }

    /** With a settle time: the most items that wait for it (default {@link #SETTLE_LIMIT}). */
    Batcher<T> settleLimit(int settleLimit) {
        this.settleLimit = settleLimit;
        return this;
    }

    /** An item to batch; from any thread. */
    void add(T message) {
        boolean flushNow;
        synchronized (this) {
            if (stopped) {
                flushNow = false;
            } else {
                waiting.add(message);
                waitingBytes += weigher.applyAsLong(message);
                if (settleNanos > 0) {
                    lastAdd = clock.getAsLong();
                    if (waiting.size() == 1) {
                        firstAdd = lastAdd;
                    }
                } else if (waiting.size() == 1) {
                    firstAdd = clock.getAsLong();
                }
                flushNow = !inFlight && !flushQueued && (waiting.size() >= (settleNanos > 0 ? settleLimit : maxSize)
                                                                    || settleNanos == 0 && waitingBytes >= maxBytes);
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
        schedule(settleNanos > 0 ? settleNanos : intervalNanos);
    }

    private void schedule(long delayNanos) {
        try {
            timer = executor.schedule(this::flushOnTimer, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            timer = null;
        }
    }

    /**
     * The interval's end: the timer that runs this is done, not cancelled (a cancel costs a queue removal). With a
     * settle time, items that are still coming wait on (one timer, moved on here, not at every item).
     */
    private void flushOnTimer() {
        if (settleNanos > 0) {
            synchronized (this) {
                long dueIn = settleDueIn();
                if (!stopped && !inFlight && !waiting.isEmpty() && dueIn > 0) {
                    schedule(dueIn);
                    return;
                }
            }
        }
        flush(true);
    }

    /**
     * With a settle time: nanoseconds until what waits is due (none came for the settle time, or the oldest waited its
     * longest). Holds the lock.
     */
    private long settleDueIn() {
        return Math.min(lastAdd + settleNanos, firstAdd + maxDelayNanos) - clock.getAsLong();
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
            if (inFlight || waiting.isEmpty() || stopped) {
                return;
            }
            batch = new ArrayList<>(Math.min(maxSize, waiting.size()));
            long bytes = 0;
            while (batch.size() < maxSize && !waiting.isEmpty()) {
                long w = weigher.applyAsLong(waiting.peek());
                if (!batch.isEmpty() && bytes + w > maxBytes) {
                    break;
                }
                bytes += w;
                batch.add(waiting.poll());
            }
            waitingBytes -= bytes;
            if (settleNanos == 0 && !waiting.isEmpty()) {
                firstAdd = clock.getAsLong() - intervalNanos; // a full batch left these: they are due already
            }
            inFlight = true;
        }
        process.accept(batch, this::completed);
    }

    private void completed() {
        boolean more;
        synchronized (this) {
            inFlight = false;
            notifyAll(); // a stop that drains waits for this batch
            more = !waiting.isEmpty() && !flushQueued && !stopped;
            if (more && settleNanos > 0 && waiting.size() < maxSize) {
                // what waits came while the batch was processed: it waits for the settle time too, unless it waited
                // its longest already (a backlog that was held goes back to back)
                long dueIn = settleDueIn();
                if (dueIn > 0) {
                    more = false;
                    if (timer == null && !stopped) {
                        schedule(dueIn);
                    }
                }
            }
            if (more && settleNanos == 0 && waiting.size() < maxSize && waitingBytes < maxBytes) {
                // fewer than a batch came while this one was processed: they go when the first of them waited the
                // interval (a sync per interval at most when messages are few), not at once
                long dueIn = firstAdd + intervalNanos - clock.getAsLong();
                if (dueIn > 0) {
                    more = false;
                    if (timer == null && !stopped) {
                        schedule(dueIn);
                    }
                }
            }
            flushQueued |= more;
        }
        if (more) {
            queueFlush();
        }
    }

    /** Refuses what waits (a message: the node resends it) and takes no more. */
    void stop() {
        stop(0);
    }

    /**
     * Takes no more; processes what waits on the caller's thread, in batches, after the batch in flight, for at most
     * {@code drainMs} in all (0: none); refuses what is left. For events, which no node resends: those that waited for
     * the settle time are stored when the route stops, not dropped.
     *
     * @return how many items were refused
     */
    int stop(long drainMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMs);
        List<T> left;
        synchronized (this) {
            stopped = true;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            while (drainMs > 0 && inFlight && !waiting.isEmpty() && deadline - System.nanoTime() > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            left = new ArrayList<>(waiting);
            waiting.clear();
            waitingBytes = 0;
        }
        int done = 0;
        while (drainMs > 0 && done < left.size() && deadline - System.nanoTime() > 0
               && !Thread.currentThread().isInterrupted()) {
            List<T> batch = new ArrayList<>(left.subList(done, Math.min(left.size(), done + maxSize)));
            CountDownLatch completed = new CountDownLatch(1);
            process.accept(batch, completed::countDown);
            done += batch.size();
            try {
                if (!completed.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<T> rest = left.subList(done, left.size());
        rest.forEach(refused);
        return rest.size();
    }
}
