package io.esplink.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;

/**
 * One periodic task per event loop and keepalive period that visits every {@link LivenessHandler} of that loop: a
 * gateway with 15,000 links runs a few sweeps, not 15,000 timers. Everything but {@link #of} runs on its loop.
 */
final class LivenessSweeper implements Runnable {

    private record Key(EventExecutor loop, long periodNanos) {
    }

    private static final ConcurrentHashMap<Key, LivenessSweeper> SWEEPERS = new ConcurrentHashMap<>();

    private final Key key;
    private List<LivenessHandler> handlers = new ArrayList<>();
    private List<LivenessHandler> spare = new ArrayList<>();
    private ScheduledFuture<?> task;
    private long due;

    private LivenessSweeper(Key key) {
        this.key = key;
    }

    /** The sweeper of {@code loop} for {@code periodNanos}; call on that loop. */
    static LivenessSweeper of(EventExecutor loop, long periodNanos) {
        return SWEEPERS.computeIfAbsent(new Key(loop, periodNanos), LivenessSweeper::new);
    }

    void add(LivenessHandler handler) {
        handlers.add(handler);
        if (task == null) {
            due = System.nanoTime() + key.periodNanos;
            task = key.loop.scheduleAtFixedRate(this, key.periodNanos, key.periodNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        long late = Math.max(0, now - due);
        due += key.periodNanos;
        if (late > key.periodNanos) {
            due = now + key.periodNanos; // far behind: start afresh from now
        }
        List<LivenessHandler> keep = spare;
        for (LivenessHandler h : handlers) {
            if (h.sweep(now, late)) {
                keep.add(h);
            }
        }
        spare = handlers;
        spare.clear();
        handlers = keep;
        if (handlers.isEmpty()) {
            task.cancel(false);
            task = null;
            SWEEPERS.remove(key, this);
        }
    }
}
