package io.esplink.camel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.util.concurrent.SizedScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The batcher hands at most one flush to its executor at a time, however many items arrive before it runs: the
 * executor Camel gives a batching consumer has a bounded queue, and a flush per item beyond a full batch (a reconnect
 * storm's thousands of events, a line-rate stream's messages) filled it until it refused items.
 */
class BatcherTest {

    /** Camel's scheduled executor for a consumer, with a queue of at most 100 tasks. */
    private final CountingExecutor executor = new CountingExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void itemsArrivingWhileAFlushWaits_queueNoFurtherFlush_noneRefused_allOnceInOrder() throws Exception {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        List<Integer> refused = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = new Batcher<>(10, 60_000, executor, (batch, completed) -> {
            batches.add(batch);
            completed.run();
        }, refused::add);
        // the executor's thread is busy: the flush of the first full batch waits in its queue
        CountDownLatch busy = new CountDownLatch(1);
        executor.execute(() -> hold(busy));
        int executesBefore = executor.executes.get();

        int items = 5_000;
        for (int i = 0; i < items; i++) {
            batcher.add(i); // the old batcher: 4,991 flushes queued here, refused from the 100th on
        }
        assertThat(executor.executes.get() - executesBefore).as("flushes handed to the executor").isEqualTo(1);
        // at most: the task that keeps the thread busy (if not taken yet), the first item's interval timer, one flush
        assertThat(executor.getScheduledThreadPoolExecutor().getQueue()).as("tasks waiting").hasSizeLessThanOrEqualTo(3);

        busy.countDown();
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.stream().mapToInt(List::size).sum() == items);
        List<Integer> all = new ArrayList<>();
        batches.forEach(all::addAll);
        assertThat(all).hasSize(items);
        for (int i = 0; i < items; i++) {
            assertThat(all.get(i)).isEqualTo(i);
        }
        assertThat(batches).allSatisfy(b -> assertThat(b).hasSizeBetween(1, 10));
        assertThat(refused).isEmpty();
        // one flush at a time: each completion hands over the next, no more
        assertThat(executor.executes.get() - executesBefore).isLessThanOrEqualTo(items / 10 + 1);
    }

    @Test
    void addsFromManyThreads_whileBatchesComplete_noneRefused_noneLost() throws Exception {
        AtomicInteger processed = new AtomicInteger();
        List<Integer> refused = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = new Batcher<>(50, 5, executor, (batch, completed) -> {
            processed.addAndGet(batch.size());
            completed.run();
        }, refused::add);
        int threads = 4;
        int each = 20_000;
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    batcher.add(i);
                }
            });
            adders.add(th);
            th.start();
        }
        for (Thread th : adders) {
            th.join(30_000);
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> processed.get() == threads * each);
        assertThat(refused).isEmpty();
        assertThat(executor.rejected.get()).isZero();
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Camel's sized scheduled executor (queue of 100), counting what is handed to it and what it refuses. */
    private static final class CountingExecutor extends SizedScheduledExecutorService {
        final AtomicInteger executes = new AtomicInteger();
        final AtomicInteger rejected = new AtomicInteger();

        CountingExecutor() {
            super(new ScheduledThreadPoolExecutor(1), 100);
        }

        @Override
        public void execute(Runnable task) {
            executes.incrementAndGet();
            try {
                super.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                rejected.incrementAndGet();
                throw e;
            }
        }
    }
}
