package io.esplink.bench;

import java.util.Arrays;

/**
 * The timers of one event loop thread: an indexed binary min-heap of {@link Timed} entries keyed by their wake time
 * (nanoTime). Each entry is in the heap at most once and knows its position, so moving its wake time is O(log n) and
 * allocates nothing; 15,000 links cost a few hundred kilobytes and a handful of comparisons per event. Not thread-safe:
 * one loop thread owns it.
 */
final class TimerHeap {

    /** Something with one wake time. */
    abstract static class Timed {
        long wakeAt = Long.MAX_VALUE;
        int heapIndex = -1;

        /** Called by the loop when its wake time came; reschedules itself if it wants to be called again. */
        abstract void onTimer(long now);
    }

    private Timed[] heap = new Timed[1024];
    private int size;
    /** How late the latest-run timer ran, at most, since {@link #resetLateness}: the loop's own lag. */
    long maxLateNs;
    /** Timers run more than {@link #LATE_NS} late since {@link #resetLateness}. */
    long lateCount;
    static final long LATE_NS = 100_000_000L;

    void resetLateness() {
        maxLateNs = 0;
        lateCount = 0;
    }

    int size() {
        return size;
    }

    /** Sets the wake time of {@code t} to {@code at}, inserting or moving it. */
    void schedule(Timed t, long at) {
        if (t.heapIndex < 0) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            t.wakeAt = at;
            t.heapIndex = size;
            heap[size++] = t;
            up(t.heapIndex);
        } else {
            long old = t.wakeAt;
            t.wakeAt = at;
            if (at < old) {
                up(t.heapIndex);
            } else if (at > old) {
                down(t.heapIndex);
            }
        }
    }

    /** Moves the wake time of {@code t} to {@code at} only if that is earlier than the one it has. */
    void wakeBy(Timed t, long at) {
        if (t.heapIndex < 0 || at < t.wakeAt) {
            schedule(t, at);
        }
    }

    void cancel(Timed t) {
        int i = t.heapIndex;
        if (i < 0) {
            return;
        }
        Timed last = heap[--size];
        heap[size] = null;
        t.heapIndex = -1;
        t.wakeAt = Long.MAX_VALUE;
        if (i < size) {
            heap[i] = last;
            last.heapIndex = i;
            up(i);
            down(last.heapIndex);
        }
    }

    /** The earliest wake time, or Long.MAX_VALUE when empty. */
    long next() {
        return size == 0 ? Long.MAX_VALUE : heap[0].wakeAt;
    }

    /** Calls the entries whose wake time is at or before {@code now}, at most {@code max}; returns how many. */
    int runDue(long now, int max) {
        int n = 0;
        while (size > 0 && heap[0].wakeAt <= now && n < max) {
            Timed t = heap[0];
            long late = now - t.wakeAt;
            if (late > maxLateNs) {
                maxLateNs = late;
            }
            if (late > LATE_NS) {
                lateCount++;
            }
            cancel(t);
            t.onTimer(now);
            n++;
        }
        return n;
    }

    private void up(int i) {
        Timed t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timed p = heap[parent];
            if (p.wakeAt <= t.wakeAt) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    private void down(int i) {
        Timed t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right].wakeAt < heap[child].wakeAt) {
                child = right;
            }
            if (t.wakeAt <= heap[child].wakeAt) {
                break;
            }
            heap[i] = heap[child];
            heap[i].heapIndex = i;
            i = child;
        }
        heap[i] = t;
        t.heapIndex = i;
    }
}
