package io.esplink.camel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import io.esplink.core.InboundMessage;

/**
 * Gathers node messages into batches for a batching consumer: a batch goes out when it holds {@code maxSize}
 * messages, or {@code intervalMs} after its first message came, and at once when the previous batch completed with
 * messages waiting (a commit per batch takes what arrived meanwhile: group commit). One batch is in flight at a
 * time, so batches complete in order, and so do each node's messages within and across them.
 */
final class Batcher {

    private final int maxSize;
    private final long intervalMs;
    private final ScheduledExecutorService executor;
    /** Processes a batch and calls the runnable when it completed (from any thread). */
    private final BiConsumer<List<InboundMessage>, Runnable> process;

    private final ArrayDeque<InboundMessage> waiting = new ArrayDeque<>();
    private boolean inFlight;
    private ScheduledFuture<?> timer;
    private boolean stopped;

    Batcher(int maxSize, long intervalMs, ScheduledExecutorService executor,
            BiConsumer<List<InboundMessage>, Runnable> process) {
        this.maxSize = maxSize;
        this.intervalMs = intervalMs;
        this.executor = executor;
        this.process = process;
    }

    /** A message to batch; from any thread. */
    void add(InboundMessage message) {
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
            message.done(false); // the route is stopping: the node resends it
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
        List<InboundMessage> batch;
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

    /** Fails what waits (the nodes resend it) and takes no more. */
    void stop() {
        List<InboundMessage> left;
        synchronized (this) {
            stopped = true;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            left = new ArrayList<>(waiting);
            waiting.clear();
        }
        left.forEach(m -> m.done(false));
    }
}
