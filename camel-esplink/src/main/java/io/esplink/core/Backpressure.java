package io.esplink.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound on the node messages one server holds, waiting for or in the routes, over all nodes together: no number of
 * sockets can fill the heap. Above the bound (count or bytes) the gateway stops reading from the connection that
 * brought the message (Netty's autoRead off: the node's data waits in the operating system's buffers, and TCP slows
 * the node down); once the messages held fall to three quarters of the bound, every paused connection reads again.
 * A paused connection is not declared down for its silence ({@link LivenessHandler} knows), and keepalives still go
 * out to it.
 * <p>
 * Memory pressure ({@link MemoryPressure}) pauses every connection of the server the same way, whatever is held, until
 * it is over.
 */
final class Backpressure {

    private static final Logger LOG = LoggerFactory.getLogger(Backpressure.class);

    private final int maxMessages;
    private final long maxBytes;
    /**
     * Messages held (bits 42 and up) and their bytes (bits 0-41) in one word: one atomic add per message in and one
     * out, on a line every I/O thread shares. {@link ServerConfig} bounds both well inside their fields.
     */
    private final AtomicLong held = new AtomicLong();
    private static final int COUNT_SHIFT = 42;
    private static final long BYTES_MASK = (1L << COUNT_SHIFT) - 1;
    private final Set<Channel> paused = ConcurrentHashMap.newKeySet();
    private volatile boolean warned;
    /** Memory is short: every connection is paused, and a message read meanwhile pauses its connection too. */
    private volatile boolean memoryShort;

    Backpressure(int maxMessages, long maxBytes) {
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /** A message of {@code weight} read on {@code ch} is held from now on; pauses {@code ch} when over the bound. */
    void enter(Channel ch, long weight) {
        long h = held.addAndGet(oneMessageOf(weight));
        int m = (int) (h >>> COUNT_SHIFT);
        long b = h & BYTES_MASK;
        if (memoryShort) {
            pause(ch); // the rest of what it read before the pause
        } else if (m > maxMessages || b > maxBytes) {
            pause(ch);
            if (!warned) {
                warned = true;
                LOG.warn("The routes are behind: {} node message(s) ({} bytes) held, the bound is {} ({} bytes); "
                         + "reading from nodes is paused until they catch up", m, b, maxMessages, maxBytes);
            }
            if (belowResumeMark()) {
                resumeAll(); // it drained meanwhile
            }
        }
    }

    /** A message of {@code weight} is no longer held. */
    void leave(long weight) {
        held.addAndGet(-oneMessageOf(weight));
        if (!paused.isEmpty() && !memoryShort && belowResumeMark()) {
            resumeAll();
        }
    }

    private void pause(Channel ch) {
        ch.config().setAutoRead(false);
        paused.add(ch);
    }

    /**
     * Memory is short ({@code true}): pauses each of {@code channels} on its event loop; or no longer: resumes them
     * unless the messages held are still above the bound.
     */
    void memoryShort(boolean on, Iterable<Channel> channels) {
        memoryShort = on;
        if (on) {
            for (Channel ch : channels) {
                ch.eventLoop().execute(() -> {
                    if (memoryShort && ch.isActive()) {
                        pause(ch);
                    }
                });
            }
        } else if (belowResumeMark()) {
            resumeAll();
        }
    }

    boolean isMemoryShort() {
        return memoryShort;
    }

    /** One message of {@code weight} bytes, in the units of {@link #held}. */
    private static long oneMessageOf(long weight) {
        return (1L << COUNT_SHIFT) + weight;
    }

    int messages() {
        return (int) (held.get() >>> COUNT_SHIFT);
    }

    long bytes() {
        return held.get() & BYTES_MASK;
    }

    boolean isPaused() {
        return !paused.isEmpty();
    }

    private boolean belowResumeMark() {
        long h = held.get();
        return (h >>> COUNT_SHIFT) <= maxMessages * 3L / 4 && (h & BYTES_MASK) <= maxBytes * 3 / 4;
    }

    private void resumeAll() {
        boolean any = false;
        for (Channel ch : paused) {
            if (paused.remove(ch)) {
                any = true;
                ch.eventLoop().execute(() -> {
                    if (memoryShort) {
                        paused.add(ch); // short again meanwhile
                    } else if (ch.isActive()) {
                        ch.config().setAutoRead(true);
                    }
                });
            }
        }
        if (any && warned) {
            warned = false;
            LOG.info("The routes caught up ({} node message(s) held): reading from nodes again", messages());
        }
    }
}
