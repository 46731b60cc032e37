package io.esplink.core;

import java.lang.management.ManagementFactory;

import javax.management.JMException;
import javax.management.ObjectName;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;

/**
 * What this JVM can hold, and the share each part of the gateway may take of it: sized from the heap
 * ({@link Runtime#maxMemory()}), the direct memory limit and the file-descriptor limit, so that a gateway on a
 * board-sized heap (128 MB) is bounded as tightly as one on a server is roomy. An option set by hand wins over its
 * share here; 0 for those options means "from this budget".
 * <table>
 * <caption>Shares of the heap (H) and of direct memory (D)</caption>
 * <tr><th>what</th><th>share</th><th>at -Xmx128m (about)</th><th>at -Xmx4g</th></tr>
 * <tr><td>node messages held, waiting for or in the routes ({@code maxInflightBytes})</td><td>H/16, 1-64 MiB</td>
 * <td>8 MiB</td><td>64 MiB</td></tr>
 * <tr><td>one batch of a batching consumer, in payload bytes</td><td>H/64, 256 KiB-16 MiB</td><td>2 MiB</td>
 * <td>16 MiB</td></tr>
 * <tr><td>H2's page cache (CACHE_SIZE of the database route)</td><td>H/16, 2-64 MiB</td><td>8 MiB</td>
 * <td>64 MiB</td></tr>
 * <tr><td>connection events waiting for their settle time</td><td>H/64 at 512 bytes each, 1,000-100,000</td>
 * <td>4,096</td><td>100,000</td></tr>
 * <tr><td>rows of the status page's fleet table</td><td>H/32 at 1 KiB each, 1,000-50,000</td><td>4,096</td>
 * <td>50,000</td></tr>
 * <tr><td>node connections ({@code maxConnections})</td><td>H/4 at 24 KiB each, and 90% of the file descriptors
 * left after 256</td><td>1,365</td><td>43,690</td></tr>
 * <tr><td>nodes remembered ({@code maxSessions})</td><td>H/8 at 4 KiB each, 1,000-1,000,000</td><td>4,096</td>
 * <td>131,072</td></tr>
 * <tr><td>Netty's pooled buffers for node connections</td><td>D: arenas of 1 MiB chunks below 1 GiB of direct
 * memory (4 MiB above), at most one arena per core and per sixth of D</td><td>2 arenas</td><td>Netty's default</td>
 * </tr>
 * <tr><td>memory pressure ({@link MemoryPressure}): reading paused, new connections refused</td><td>heap in use
 * after a collection above 85% of H (until below 70%), or pooled direct memory above 75% of D</td><td></td><td></td>
 * </tr>
 * </table>
 * The rest of the heap is Camel, the HTTP server, the routes' own libraries and the garbage between two collections.
 */
public final class MemoryBudget {

    /** Heap a node connection takes, roughly: channel, pipeline, session, decoder, windows, statistics. */
    static final long BYTES_PER_CONNECTION = 24L << 10;
    /** Heap a remembered node takes when it is not connected. */
    static final long BYTES_PER_SESSION = 4L << 10;
    /** File descriptors kept for what is not a node: the database, files, the HTTP port, jars. */
    static final long RESERVED_FDS = 256;

    private static volatile MemoryBudget machine;

    private final long heapBytes;
    private final long directBytes;
    private final long maxFileDescriptors;

    private MemoryBudget(long heapBytes, long directBytes, long maxFileDescriptors) {
        if (heapBytes <= 0) {
            throw new IllegalArgumentException("heapBytes must be positive, not " + heapBytes);
        }
        this.heapBytes = heapBytes;
        this.directBytes = directBytes > 0 ? directBytes : heapBytes;
        this.maxFileDescriptors = maxFileDescriptors;
    }

    /** The budget of a JVM with this heap, direct memory limit (0: as the heap) and file-descriptor limit (-1: none). */
    public static MemoryBudget of(long heapBytes, long directBytes, long maxFileDescriptors) {
        return new MemoryBudget(heapBytes, directBytes, maxFileDescriptors);
    }

    /** The budget of this JVM, read once. */
    public static MemoryBudget machine() {
        MemoryBudget b = machine;
        if (b == null) {
            b = new MemoryBudget(Runtime.getRuntime().maxMemory(), PlatformDependent.maxDirectMemory(),
                    fileDescriptorLimit());
            machine = b;
        }
        return b;
    }

    /** The file-descriptor limit of this process, or -1 where the JVM does not say. */
    static long fileDescriptorLimit() {
        try {
            // the platform MBean's attribute (no com.sun.management import: an OSGi bundle need not import it)
            Object n = ManagementFactory.getPlatformMBeanServer().getAttribute(
                    new ObjectName(ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME), "MaxFileDescriptorCount");
            return n instanceof Long l ? l : -1;
        } catch (JMException | RuntimeException e) {
            return -1; // not a Unix JVM
        }
    }

    public long heapBytes() {
        return heapBytes;
    }

    public long directBytes() {
        return directBytes;
    }

    /** The file-descriptor limit, -1 if unknown. */
    public long maxFileDescriptors() {
        return maxFileDescriptors;
    }

    /** Bytes of node messages held at once ({@code maxInflightBytes} when it is 0). */
    public long inflightBytes() {
        return clamp(heapBytes / 16, 1L << 20, 64L << 20);
    }

    /** Payload bytes in one batch of a batching consumer, at most (a batch holds at least one message). */
    public long batchBytes() {
        return clamp(heapBytes / 64, 256L << 10, 16L << 20);
    }

    /** H2's page cache, in KiB (its CACHE_SIZE). */
    public long h2CacheKb() {
        return clamp(heapBytes / 16, 2L << 20, 64L << 20) >> 10;
    }

    /** Connection events that may wait for their settle time. */
    public int settlingEvents() {
        return (int) clamp(heapBytes / 64 / 512, 1000, 100_000);
    }

    /** Rows of the status page's fleet table. */
    public int fleetRows() {
        return (int) clamp(heapBytes / 32 / 1024, 1000, 50_000);
    }

    /** The heap a node message of this payload holds, roughly: what the in-flight and batch bounds count. */
    public static long weight(String payload) {
        return 64L + 2L * payload.length();
    }

    /** Node connections open at once ({@code maxConnections} when it is 0): what the heap and descriptors allow. */
    public int maxConnections() {
        return (int) clamp(Math.min(connectionsByHeap(), connectionsByFds()), 16, 1_000_000);
    }

    private long connectionsByHeap() {
        return heapBytes / 4 / BYTES_PER_CONNECTION;
    }

    private long connectionsByFds() {
        return maxFileDescriptors < 0 ? Long.MAX_VALUE : (maxFileDescriptors - RESERVED_FDS) * 9 / 10;
    }

    /** Nodes remembered at once ({@code maxSessions} when it is 0). */
    public int maxSessions() {
        return (int) clamp(heapBytes / 8 / BYTES_PER_SESSION, 1000, 1_000_000);
    }

    /** Why {@link #maxConnections()} is what it is, for the start line. */
    public String maxConnectionsReason() {
        return connectionsByFds() < connectionsByHeap() ? "from the file-descriptor limit " + maxFileDescriptors
                : "from the heap of " + mib(heapBytes) + " MiB";
    }

    private static final Object ALLOCATOR_LOCK = new Object();
    private static ByteBufAllocator allocator;

    /**
     * The pooled allocator of node connections: Netty's own where direct memory is plenty (1 GiB or more), else one
     * with 1 MiB chunks and fewer arenas, so that a small board's direct memory is not taken by a few idle arenas.
     */
    public static ByteBufAllocator allocator() {
        synchronized (ALLOCATOR_LOCK) {
            if (allocator == null) {
                allocator = machine().newAllocator();
            }
            return allocator;
        }
    }

    ByteBufAllocator newAllocator() {
        if (directBytes >= 1L << 30) {
            return ByteBufAllocator.DEFAULT;
        }
        int maxOrder = 7; // 8 KiB pages << 7: 1 MiB chunks
        long chunk = 8192L << maxOrder;
        int cores = Runtime.getRuntime().availableProcessors();
        int arenas = (int) Math.max(1, Math.min(cores, directBytes / 6 / chunk));
        return new PooledByteBufAllocator(PlatformDependent.directBufferPreferred(), 0, arenas, 8192, maxOrder,
                PooledByteBufAllocator.defaultSmallCacheSize(), PooledByteBufAllocator.defaultNormalCacheSize(), true);
    }

    /** One line for the log: the heap, direct memory and descriptors this budget was made from, and its main shares. */
    public String describe() {
        return "heap " + mib(heapBytes) + " MiB, direct memory " + mib(directBytes) + " MiB, "
               + (maxFileDescriptors < 0 ? "no file-descriptor limit known" : maxFileDescriptors + " file descriptors");
    }

    static long mib(long bytes) {
        return bytes >> 20;
    }

    private static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }
}
