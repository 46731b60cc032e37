package io.esplink.camel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Liveness of the component's threads: DOWN when an event loop ({@code esplink-accept}, {@code esplink-io}) has been
 * shut down, or has not run a task given to it {@link #STALL_MS} ago. Event loops never block by design (see the
 * package documentation), so one that stalls is stuck for good and every node on it times out: a restart is the cure.
 * <p>
 * It never waits: each call hands every thread a tiny task and looks at whether the tasks of the previous calls ran.
 * Delivery threads ({@code esplink-delivery}) are looked at the same way but only reported
 * ({@code delivery.stalled}): they run routes, which may block for long without anything being wrong. Registered
 * when the component starts its first server, as {@code esplink-liveness}.
 */
public class EspLinkLivenessHealthCheck extends AbstractHealthCheck {

    /** A thread that has not run a task given to it this long ago is stuck. */
    static final long STALL_MS = 10_000;

    private final Supplier<Map<String, EventExecutorGroup>> eventLoops;
    private final Supplier<EventExecutorGroup> delivery;
    private final Map<EventExecutor, Probe> probes = new ConcurrentHashMap<>();
    private volatile long stallNanos = TimeUnit.MILLISECONDS.toNanos(STALL_MS);

    /** A task given to one thread: the latest given, and the latest of them that ran. */
    private static final class Probe {
        volatile long given;
        volatile long ran;
        volatile long givenAt;
    }

    /**
     * @param eventLoops the event loop groups by name (as in the threads' names), read at each call
     * @param delivery   the delivery executor, read at each call
     */
    public EspLinkLivenessHealthCheck(Supplier<Map<String, EventExecutorGroup>> eventLoops,
                                      Supplier<EventExecutorGroup> delivery) {
        super("camel", "esplink-liveness");
        this.eventLoops = eventLoops;
        this.delivery = delivery;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    public boolean isLiveness() {
        return true;
    }

    /** For tests: how long a thread may take to run a task. */
    void stallMillis(long ms) {
        this.stallNanos = TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        long now = System.nanoTime();
        List<String> stuck = new ArrayList<>();
        int loops = 0;
        for (Map.Entry<String, EventExecutorGroup> group : eventLoops.get().entrySet()) {
            int i = 0;
            for (EventExecutor e : group.getValue()) {
                loops++;
                String problem = look(e, group.getKey() + " #" + ++i, now);
                if (problem != null) {
                    stuck.add(problem);
                }
            }
        }
        int stalledDelivery = 0;
        EventExecutorGroup d = delivery.get();
        int deliveryThreads = 0;
        if (d != null) {
            for (EventExecutor e : d) {
                deliveryThreads++;
                if (look(e, "esplink-delivery", now) != null) {
                    stalledDelivery++;
                }
            }
        }
        probes.keySet().removeIf(EventExecutor::isTerminated);
        builder.detail("event.loops", loops);
        builder.detail("delivery.threads", deliveryThreads);
        builder.detail("delivery.stalled", stalledDelivery);
        if (stuck.isEmpty()) {
            builder.up();
        } else {
            builder.down().message("esplink event loop(s) not running: " + String.join("; ", stuck));
        }
    }

    /** What is wrong with {@code e}, or null; gives it the next task when the last one ran. */
    private synchronized String look(EventExecutor e, String name, long now) {
        if (e.isShuttingDown()) {
            return name + " is shut down";
        }
        Probe p = probes.computeIfAbsent(e, k -> new Probe());
        if (p.ran < p.given) {
            long waiting = now - p.givenAt;
            return waiting > stallNanos
                    ? name + " has not run a task given to it " + TimeUnit.NANOSECONDS.toMillis(waiting) + " ms ago"
                    : null;
        }
        long next = p.given + 1;
        p.givenAt = now;
        p.given = next;
        try {
            e.execute(() -> p.ran = next);
        } catch (RejectedExecutionException ex) {
            return name + " refuses tasks: " + ex.getMessage();
        }
        return null;
    }
}
