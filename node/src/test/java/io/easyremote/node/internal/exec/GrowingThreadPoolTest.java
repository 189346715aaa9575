package io.easyremote.node.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
