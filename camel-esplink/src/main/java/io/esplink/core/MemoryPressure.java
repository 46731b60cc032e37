package io.esplink.core;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this JVM is short of memory: the heap in use after a garbage collection above {@link #HEAP_HIGH} of the
 * heap (until it falls below {@link #HEAP_LOW}), or Netty's pooled direct memory above {@link #DIRECT_HIGH} of the
 * direct memory limit (until below {@link #DIRECT_LOW}). The servers listen: under pressure they stop reading from
 * every node connection (autoRead off: the data waits in the operating system's buffers, TCP slows the senders) and
 * refuse new connections, with the reason in the log; once it is over they read again. Nothing is dropped: a paused
 * node's messages are read later, and its ACKs come then.
 * <p>
 * The heap's state is learnt from the collector's own notifications (the heap in use just after each collection,
 * which is what is alive, plus what old garbage a young collection left), so no thread polls it while all is well.
 * Under pressure a probe runs twice a second: it ends the pressure as soon as the heap in use, garbage included, is
 * below the low mark, and when no collection came for {@link #PROBE_GC_MS} it asks for one, so that a paused (and
 * thus idle) gateway learns that it may read again rather than wait for garbage that never comes.
 */
public final class MemoryPressure {

    static final double HEAP_HIGH = 0.85;
    static final double HEAP_LOW = 0.70;
    static final double DIRECT_HIGH = 0.75;
    static final double DIRECT_LOW = 0.60;
    static final long PROBE_MS = 500;
    static final long PROBE_GC_MS = 2000;
    /** Episodes logged at WARN at most this often; the others at DEBUG, counted. */
    static final long WARN_EVERY_MS = 60_000;

    /** The type of the collectors' notifications (com.sun.management's GARBAGE_COLLECTION_NOTIFICATION). */
    static final String GC_NOTIFICATION = "com.sun.management.gc.notification";
    private static final Logger LOG = LoggerFactory.getLogger(MemoryPressure.class);
    private static volatile MemoryPressure jvm;

    /** Told when the pressure starts ({@code true}, with the reason) and ends ({@code false}). */
    public interface Listener {
        void pressure(boolean on, String reason);
    }

    private final long heapMax;
    private final long directMax;
    private final LongSupplier directUsed;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean heapOn;
    private volatile boolean directOn;
    private volatile String reason;
    private volatile long lastGcAt = System.nanoTime();
    /** Collections heard of (tests). */
    volatile long collections;
    private long lastWarnAt = Long.MIN_VALUE / 2;
    private long episodes;
    private long quietEpisodes;
    /** What the listeners were last told. */
    private boolean announced;
    private ScheduledExecutorService probe;

    MemoryPressure(long heapMax, long directMax, LongSupplier directUsed) {
        this.heapMax = heapMax;
        this.directMax = directMax;
        this.directUsed = directUsed;
    }

    /** The JVM's watcher, listening to its collectors from the first call on. */
    public static MemoryPressure jvm() {
        MemoryPressure p = jvm;
        if (p == null) {
            synchronized (MemoryPressure.class) {
                p = jvm;
                if (p == null) {
                    MemoryBudget b = MemoryBudget.machine();
                    p = new MemoryPressure(b.heapBytes(), b.directBytes(), MemoryPressure::pooledDirectUsed);
                    p.listenToCollectors();
                    p.startProbe();
                    jvm = p;
                }
            }
        }
        return p;
    }

    private static long pooledDirectUsed() {
        return MemoryBudget.allocator() instanceof ByteBufAllocatorMetricProvider m
                ? m.metric().usedDirectMemory() : 0;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    /** True while memory is short. */
    public boolean isOn() {
        return heapOn || directOn;
    }

    /** Why memory is short now, or null. */
    public String reason() {
        return isOn() ? reason : null;
    }

    /** Episodes of pressure since the start. */
    public synchronized long episodes() {
        return episodes;
    }

    private void listenToCollectors() {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, handback) -> {
                    if (!GC_NOTIFICATION.equals(n.getType())) {
                        return;
                    }
                    // read as open data (no com.sun.management import: an OSGi bundle need not import it)
                    CompositeData gcInfo = (CompositeData) ((CompositeData) n.getUserData()).get("gcInfo");
                    long used = 0;
                    for (Object row : ((TabularData) gcInfo.get("memoryUsageAfterGc")).values()) {
                        CompositeData r = (CompositeData) row;
                        if (heapPools.contains((String) r.get("key"))) {
                            used += MemoryUsage.from((CompositeData) r.get("value")).getUsed();
                        }
                    }
                    afterCollection(used);
                }, null, null);
            }
        }
    }

    /** A collection left {@code heapUsed} bytes of heap in use. */
    void afterCollection(long heapUsed) {
        lastGcAt = System.nanoTime();
        collections++;
        if (!heapOn && heapUsed > heapMax * HEAP_HIGH) {
            heapOn = true;
            changed("the heap in use after a collection is " + MemoryBudget.mib(heapUsed) + " MiB of "
                    + MemoryBudget.mib(heapMax) + " MiB (over " + Math.round(HEAP_HIGH * 100) + "%)");
        } else if (heapOn && heapUsed < heapMax * HEAP_LOW) {
            heapOn = false;
            changed(null);
        }
        checkDirect();
    }

    /** Direct memory, checked after each collection and by the probe. */
    void checkDirect() {
        long used = directUsed.getAsLong();
        if (!directOn && used > directMax * DIRECT_HIGH) {
            directOn = true;
            changed("pooled direct memory in use is " + MemoryBudget.mib(used) + " MiB of " + MemoryBudget.mib(directMax)
                    + " MiB (over " + Math.round(DIRECT_HIGH * 100) + "%)");
        } else if (directOn && used < directMax * DIRECT_LOW) {
            directOn = false;
            changed(null);
        }
    }

    /**
     * Under pressure, twice a second: the heap in use now (garbage included) below the low mark ends it; no collection
     * for a while asks for one.
     */
    void probe(long heapUsedNow) {
        if (heapOn && heapUsedNow < heapMax * HEAP_LOW) {
            afterCollection(heapUsedNow);
        } else if (heapOn && System.nanoTime() - lastGcAt > TimeUnit.MILLISECONDS.toNanos(PROBE_GC_MS)) {
            lastGcAt = System.nanoTime();
            System.gc(); // its notification decides
        }
        checkDirect();
    }

    private synchronized void changed(String why) {
        boolean on = isOn();
        if (on == announced) {
            if (on && why != null) {
                reason = reason + "; " + why; // the other kind too
            }
            return; // one kind ended, the other goes on
        }
        announced = on;
        if (on) {
            reason = why;
            episodes++;
            long now = System.nanoTime() / 1_000_000;
            if (now - lastWarnAt >= WARN_EVERY_MS) {
                lastWarnAt = now;
                LOG.warn("Memory is short: {}. Reading from nodes is paused and new connections are refused until it "
                         + "is over{}", why, quietEpisodes > 0 ? " (" + quietEpisodes + " shorter episode(s) since the "
                         + "last such line)" : "");
                quietEpisodes = 0;
            } else {
                quietEpisodes++;
                LOG.debug("Memory is short: {}", why);
            }
        } else {
            LOG.info("Memory is no longer short: reading from nodes again, new connections admitted");
            reason = null;
        }
        for (Listener l : listeners) {
            try {
                l.pressure(on, reason);
            } catch (RuntimeException e) {
                LOG.warn("A memory pressure listener failed: {}", e.toString());
            }
        }
    }

    /** The probe of the JVM's watcher: direct memory twice a second, and the heap while it is short. */
    private void startProbe() {
        probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "esplink-memory");
            t.setDaemon(true);
            return t;
        });
        probe.scheduleWithFixedDelay(() -> {
            try {
                probe(heapOn ? ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() : 0);
            } catch (RuntimeException e) {
                LOG.debug("Memory probe failed: {}", e.toString());
            }
        }, PROBE_MS, PROBE_MS, TimeUnit.MILLISECONDS);
    }
}
