package io.easyremote.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A periodic task that missed its runs (its thread was busy) runs once, not once per missed run. */
class FixedDelaySchedulerTest {
  @Test
  void fixedRateTask_afterItsThreadWasHeld_doesNotCatchUpInABurst() throws Exception {
    FixedDelayScheduler scheduler = new FixedDelayScheduler("test-timer");
    try {
      AtomicInteger runs = new AtomicInteger();
      CountDownLatch held = new CountDownLatch(1);
      scheduler.scheduleAtFixedRate(runs::incrementAndGet, 50, 50, TimeUnit.MILLISECONDS);
      scheduler.schedule(() -> { // holds the only thread for 600 ms: about 12 runs missed
        held.countDown();
        try {
          Thread.sleep(600);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, 60, TimeUnit.MILLISECONDS);
      assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
      int before = runs.get();
      // Once the thread is free, a fixed rate would run the ~12 missed runs at once; a fixed delay runs one, the next 50 ms later.
      CountDownLatch released = new CountDownLatch(1);
      scheduler.schedule(released::countDown, 0, TimeUnit.MILLISECONDS); // runs once the holding task is done
      assertThat(released.await(5, TimeUnit.SECONDS)).isTrue();
      await("at most two runs right after the thread was freed").pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
          .during(Duration.ofMillis(20)).atMost(Duration.ofSeconds(1))
          .until(() -> runs.get() - before <= 2);
    } finally {
      scheduler.shutdownNow();
    }
  }
}
