package io.esplink.camel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

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

    @Test
    void groupCommit_fewItemsCameMeanwhile_waitTheRestOfTheirInterval_notBackToBack() {
        AtomicLong clock = new AtomicLong();
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        List<Runnable> completions = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = new Batcher<>(100, 20, executor, (batch, completed) -> {
            batches.add(batch);
            completions.add(completed);
        }, i -> {
        });
        batcher.clock = clock::get;
        batcher.add(0);
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.size() == 1); // the interval's timer
        clock.set(TimeUnit.MILLISECONDS.toNanos(25));
        batcher.add(1); // while batch 0 is in flight: the first of the next batch, at 25 ms
        clock.set(TimeUnit.MILLISECONDS.toNanos(30));
        batcher.add(2);
        int executes = executor.executes.get();
        int schedules = executor.schedules.get();

        completions.get(0).run(); // at 30 ms: item 1 waited 5 of its 20 ms
        assertThat(executor.executes.get()).as("no flush at once").isEqualTo(executes);
        assertThat(executor.schedules.get()).as("a timer for the rest of the interval").isEqualTo(schedules + 1);
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.size() == 2);
        assertThat(batches.get(1)).containsExactly(1, 2);
    }

    @Test
    void groupCommit_aFullBatch_orOneThatWaitedItsInterval_goesAtOnceWhenThePreviousCompleted() {
        AtomicLong clock = new AtomicLong();
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        List<Runnable> completions = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = new Batcher<>(3, 20, executor, (batch, completed) -> {
            batches.add(batch);
            completions.add(completed);
        }, i -> {
        });
        batcher.clock = clock::get;
        batcher.add(0);
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.size() == 1);
        batcher.add(1);
        batcher.add(2);
        batcher.add(3); // a full batch waits
        int schedules = executor.schedules.get();
        completions.get(0).run();
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.size() == 2);
        assertThat(batches.get(1)).containsExactly(1, 2, 3);
        assertThat(executor.schedules.get()).as("no timer: at once").isEqualTo(schedules);

        batcher.add(4); // comes at 0 ms while batch 1 is in flight
        clock.set(TimeUnit.MILLISECONDS.toNanos(20)); // and has waited its interval when batch 1 completes
        completions.get(1).run();
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.size() == 3);
        assertThat(batches.get(2)).containsExactly(4);
        assertThat(executor.schedules.get()).as("no timer: at once").isEqualTo(schedules);
    }

    @Test
    void settle_itemsStillComing_wait_thenGoInOrder_inBatchesOfMaxSize() {
        AtomicLong clock = new AtomicLong();
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = settling(10, 50, 60_000, clock, batches);
        for (int i = 0; i < 95; i++) {
            batcher.add(i);
        }
        // the settle timer ran twice and found the latest item still too recent (the clock stands still)
        await().atMost(10, TimeUnit.SECONDS).until(() -> executor.schedules.get() >= 3);
        assertThat(batches).as("batches while items were still coming").isEmpty();

        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(50)); // none came for the settle time
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.stream().mapToInt(List::size).sum() == 95);
        assertThat(batches).hasSize(10).allSatisfy(b -> assertThat(b).hasSizeBetween(1, 10));
        assertThat(batches.stream().flatMap(List::stream).toList())
                .containsExactlyElementsOf(IntStream.range(0, 95).boxed().toList());
    }

    @Test
    void settle_theOldestItemWaitsNoLongerThanMaxDelay_whileOthersKeepComing() {
        AtomicLong clock = new AtomicLong();
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = settling(500, 50, 200, clock, batches);
        batcher.add(0);
        clock.set(TimeUnit.MILLISECONDS.toNanos(150));
        batcher.add(1);
        clock.set(TimeUnit.MILLISECONDS.toNanos(199));
        batcher.add(2); // still coming: the settle time alone would wait until 249 ms
        int before = executor.schedules.get();
        await().atMost(10, TimeUnit.SECONDS).until(() -> executor.schedules.get() >= before + 2);
        assertThat(batches).isEmpty();

        clock.set(TimeUnit.MILLISECONDS.toNanos(200)); // the first item waited its longest
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.size() == 1);
        assertThat(batches.get(0)).containsExactly(0, 1, 2);
    }

    @Test
    void settle_aLoneItem_goesOnceTheSettleTimePassed() {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = new Batcher<>(500, 10, 200, 5000, executor, (batch, completed) -> {
            batches.add(batch);
            completed.run();
        }, i -> {
        });
        long start = System.nanoTime();
        batcher.add(7);
        await().atMost(10, TimeUnit.SECONDS).until(() -> batches.size() == 1);
        assertThat(System.nanoTime() - start).as("waited for the settle time, not the 10 ms interval")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(batches.get(0)).containsExactly(7);
    }

    @Test
    void stopThatDrains_processesWhatWaits_inOrder_onTheCallersThread_refusesNone() {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        List<Integer> refused = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = new Batcher<>(10, 10, 60_000, 60_000, executor, (batch, completed) -> {
            batches.add(batch);
            threads.add(Thread.currentThread());
            completed.run();
        }, refused::add);
        for (int i = 0; i < 25; i++) {
            batcher.add(i); // they wait for the settle time (a minute)
        }
        assertThat(batcher.stop(5000)).as("refused").isZero();
        assertThat(batches).hasSize(3);
        assertThat(batches.stream().flatMap(List::stream).toList())
                .containsExactlyElementsOf(IntStream.range(0, 25).boxed().toList());
        assertThat(threads).containsOnly(Thread.currentThread());
        assertThat(refused).isEmpty();
        batcher.add(25);
        assertThat(refused).containsExactly(25);
    }

    @Test
    void stopThatDrains_waitsForTheBatchInFlight_first() throws Exception {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        CountDownLatch inFlight = new CountDownLatch(1);
        AtomicReference<Runnable> firstCompletion = new AtomicReference<>();
        Batcher<Integer> batcher = new Batcher<>(2, 10, executor, (batch, completed) -> {
            batches.add(batch);
            if (firstCompletion.compareAndSet(null, completed)) {
                inFlight.countDown(); // the first batch stays in flight until the test completes it
            } else {
                completed.run();
            }
        }, i -> {
        });
        batcher.add(0);
        batcher.add(1); // a full batch: in flight
        assertThat(inFlight.await(10, TimeUnit.SECONDS)).isTrue();
        batcher.add(2);
        batcher.add(3);
        batcher.add(4);
        Thread stopper = new Thread(() -> batcher.stop(10_000));
        stopper.start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
        assertThat(batches).as("nothing drained while a batch is in flight").hasSize(1);
        firstCompletion.get().run();
        stopper.join(10_000);
        assertThat(batches).containsExactly(List.of(0, 1), List.of(2, 3), List.of(4));
    }

    @Test
    void stopThatDrains_givesUpWhenItsTimeIsOut_andRefusesTheRest() {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        List<Integer> refused = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = new Batcher<>(10, 10, 60_000, 60_000, executor,
                (batch, completed) -> batches.add(batch), refused::add); // a route that never completes
        for (int i = 0; i < 25; i++) {
            batcher.add(i);
        }
        assertThat(batcher.stop(200)).isEqualTo(15);
        assertThat(batches).containsExactly(IntStream.range(0, 10).boxed().toList());
        assertThat(refused).containsExactlyElementsOf(IntStream.range(10, 25).boxed().toList());
    }

    @Test
    void stopWithoutDrain_refusesWhatWaits() {
        List<Integer> refused = new CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = new Batcher<>(10, 60_000, executor, (batch, completed) -> completed.run(),
                refused::add);
        batcher.add(1);
        batcher.add(2);
        batcher.stop();
        assertThat(refused).containsExactly(1, 2);
    }

    /** A batcher with a settle time whose clock the test moves. */
    private Batcher<Integer> settling(int maxSize, long settleMs, long maxDelayMs, AtomicLong clock,
                                      List<List<Integer>> batches) {
        Batcher<Integer> b = new Batcher<>(maxSize, 10, settleMs, maxDelayMs, executor, (batch, completed) -> {
            batches.add(batch);
            completed.run();
        }, i -> {
        });
        b.clock = clock::get;
        return b;
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
        final AtomicInteger schedules = new AtomicInteger();

        CountingExecutor() {
            super(new ScheduledThreadPoolExecutor(1), 100);
        }

        @Override
        public java.util.concurrent.ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            schedules.incrementAndGet();
            return super.schedule(task, delay, unit);
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
