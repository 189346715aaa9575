package io.easyremote.node.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class GrowingThreadPoolTest {
  @Test
  void blockingTasks_eachGetAThread_upToTheLimit() throws Exception {
    GrowingThreadPool pool = new GrowingThreadPool(50, "test");
    CountDownLatch started = new CountDownLatch(50);
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < 50; i++) {
        pool.execute(() -> {
          started.countDown();
          await(release);
        });
      }
      assertThat(started.await(10, TimeUnit.SECONDS)).as("all 50 run at once").isTrue();
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void neverRunsMoreThanTheLimit_andRunsEveryTask() throws Exception {
    GrowingThreadPool pool = new GrowingThreadPool(3, "test");
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(40);
    for (int i = 0; i < 40; i++) {
      pool.execute(() -> {
        peak.accumulateAndGet(running.incrementAndGet(), Math::max);
        sleep(5);
        running.decrementAndGet();
        done.countDown();
      });
    }
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(peak.get()).isBetween(1, 3);
    pool.shutdown();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void cancel_interruptsTheRunningTask_andTheWorkerRunsTheNextOne() throws Exception {
    GrowingThreadPool pool = new GrowingThreadPool(1, "test");
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    Future<?> first = pool.submit(() -> {
      running.countDown();
      try {
        new CountDownLatch(1).await(); // until the cancel interrupts it
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
    });
    assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
    first.cancel(true);
    assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();

    List<Boolean> sawInterrupt = new ArrayList<>();
    pool.submit(() -> sawInterrupt.add(Thread.currentThread().isInterrupted())).get(5, TimeUnit.SECONDS);
    assertThat(sawInterrupt).containsExactly(false);
    pool.shutdownNow();
  }

  @Test
  void afterShutdown_newTasksAreRejected() {
    GrowingThreadPool pool = new GrowingThreadPool(2, "test");
    pool.shutdownNow();
    assertThatThrownBy(() -> pool.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
    assertThat(pool.isShutdown()).isTrue();
  }

  @Test
  void burstsOfShortTasks_runOnAboutTheParallelismInThreads() throws Exception {
    // Blocked time 1 s: only the parallelism may add threads here, never the monitor.
    GrowingThreadPool pool = new GrowingThreadPool(256, "test", 4, TimeUnit.SECONDS.toNanos(30), TimeUnit.SECONDS.toNanos(1));
    Set<String> threadsUsed = ConcurrentHashMap.newKeySet();
    CountDownLatch done = new CountDownLatch(20_000);
    try {
      for (int burst = 0; burst < 50; burst++) {
        for (int i = 0; i < 400; i++) {
          pool.execute(() -> {
            threadsUsed.add(Thread.currentThread().getName());
            spin(TimeUnit.MICROSECONDS.toNanos(20)); // about what a small call costs the node besides its function, and more
            done.countDown();
          });
        }
        Thread.yield();
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).as("all 20,000 ran").isTrue();
      // A queue shared by idle threads wakes one per task of a burst: the pool before this one used 35-53 here, this one 10-14.
      assertThat(threadsUsed).as("threads that ran the short tasks").hasSizeBetween(1, 24);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tasksBlockedInTheSlots_doNotHoldBackTheOthers() throws Exception {
    GrowingThreadPool pool = new GrowingThreadPool(64, "test", 2, TimeUnit.SECONDS.toNanos(30), TimeUnit.MICROSECONDS.toNanos(500));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(2);
    CountDownLatch shortOnes = new CountDownLatch(100);
    try {
      for (int i = 0; i < 2; i++) {
        pool.execute(() -> {
          blocked.countDown();
          await(release);
        });
      }
      assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 100; i++) {
        pool.execute(shortOnes::countDown);
      }
      assertThat(shortOnes.await(5, TimeUnit.SECONDS)).as("short tasks ran while both slots' tasks were blocked").isTrue();
      assertThat(release.getCount()).isEqualTo(1);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void aBurstOfBlockingTasks_runsAllAtOnce() throws Exception {
    GrowingThreadPool pool = new GrowingThreadPool(1_000, "test", 4, TimeUnit.SECONDS.toNanos(30), TimeUnit.MICROSECONDS.toNanos(500));
    CountDownLatch started = new CountDownLatch(1_000);
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < 1_000; i++) {
        pool.execute(() -> {
          started.countDown();
          await(release);
        });
      }
      assertThat(started.await(20, TimeUnit.SECONDS)).as("all 1,000 blocked at once").isTrue();
      assertThat(pool.threadCount()).isEqualTo(1_000);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void idleWorkersExit_andThePoolGrowsAgain() throws Exception {
    GrowingThreadPool pool = new GrowingThreadPool(8, "test", 2, TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MICROSECONDS.toNanos(500));
    try {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch started = new CountDownLatch(8);
      for (int i = 0; i < 8; i++) {
        pool.execute(() -> {
          started.countDown();
          await(release);
        });
      }
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      release.countDown();
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> pool.threadCount() == 0);
      assertThat(pool.submit(() -> "again").get(5, TimeUnit.SECONDS)).isEqualTo("again");
    } finally {
      pool.shutdownNow();
    }
  }

  /** Producers race workers that park and wake: a lost wake-up would leave a task queued with no one to run it. */
  @RepeatedTest(3)
  void manyProducers_mixedShortAndBlockingTasks_noneIsLost() throws Exception {
    GrowingThreadPool pool = new GrowingThreadPool(64, "test", 2, TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.MICROSECONDS.toNanos(500));
    int producers = 4;
    int each = 5_000;
    CountDownLatch done = new CountDownLatch(producers * each);
    List<Thread> threads = new ArrayList<>();
    try {
      for (int p = 0; p < producers; p++) {
        Thread producer = new Thread(() -> {
          for (int i = 0; i < each; i++) {
            boolean blocks = ThreadLocalRandom.current().nextInt(50) == 0;
            pool.execute(() -> {
              if (blocks) {
                sleep(1);
              }
              done.countDown();
            });
            if (i % 500 == 0) {
              sleep(ThreadLocalRandom.current().nextInt(3)); // let the workers go idle now and then
            }
          }
        });
        threads.add(producer);
        producer.start();
      }
      for (Thread producer : threads) {
        producer.join();
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).as("tasks left: %s", done.getCount()).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shutdown_runsWhatIsQueued_thenTerminates() throws Exception {
    GrowingThreadPool pool = new GrowingThreadPool(2, "test");
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 50; i++) {
      pool.execute(() -> {
        sleep(1);
        ran.incrementAndGet();
      });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran.get()).isEqualTo(50);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void spin(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
