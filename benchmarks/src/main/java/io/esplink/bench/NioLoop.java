package io.esplink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One thread, one selector, one {@link TimerHeap}: the whole of the load tool's or the ceiling server's I/O. Other
 * threads talk to it only through {@link #execute} and {@link #call}. Buffers for reading and for staging writes are
 * shared by every link (a link keeps bytes of its own only for a partial line or for output the socket did not take).
 */
abstract class NioLoop implements Runnable {

    /** Timers run per turn of the loop at most, so that reads are never held up for long. */
    static final int TIMER_SLICE = 512;

    final Selector selector;
    final TimerHeap timers = new TimerHeap();
    final ByteBuffer readBuf = ByteBuffer.allocate(64 * 1024);
    final ByteBuffer stage = ByteBuffer.allocate(64 * 1024);
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;
    private volatile Thread thread;
    private volatile Throwable failure;

    NioLoop() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Thread start(String name) {
        Thread t = new Thread(this, name);
        t.setDaemon(true);
        thread = t;
        t.start();
        return t;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Runs {@code task} on the loop thread and waits for its result. */
    <T> T call(Callable<T> task) {
        if (inLoop()) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable f2 = failure;
            throw new IllegalStateException(f2 != null ? "loop failed: " + f2 : "loop call failed", e);
        }
    }

    void stop() {
        stopped = true;
        selector.wakeup();
        Thread t = thread;
        if (t != null && !inLoop()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                // I/O before timers: after a long batch of work, what arrived meanwhile is read before any link
                // checks its deadlines (else a busy loop would declare outages of its own making)
                long next = timers.next();
                long waitNs = next == Long.MAX_VALUE ? 1_000_000_000L : next - System.nanoTime();
                if (!tasks.isEmpty() || waitNs <= 0) {
                    selector.selectNow(this::ready);
                } else {
                    // select() counts whole milliseconds: round up, the timers run when due in any case
                    selector.select(this::ready, Math.max(1, (waitNs + 999_999) / 1_000_000));
                }
                timers.runDue(System.nanoTime(), TIMER_SLICE);
            }
        } catch (Throwable e) {
            failure = e;
            e.printStackTrace();
        } finally {
            try {
                closeAll();
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void ready(SelectionKey key) {
        Object a = key.attachment();
        if (a instanceof Link) {
            ((Link) a).ready(key);
        } else if (a instanceof Runnable) {
            ((Runnable) a).run();
        }
    }

    /** Closes whatever the loop owns, on the loop thread, when it stops. */
    abstract void closeAll();
}
