package io.easyremote.gateway.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SystemClockTest {
  private final SystemClock clock = new SystemClock("test-timer");

  @AfterEach
  void close() {
    clock.close();
  }

  @Test
  void oneShotTasks_runOnce_neverBeforeTheyAreDue_whetherShortOrLong() {
    Map<Long, Long> lateNanos = new ConcurrentHashMap<>();
    for (long millis : List.of(0L, 3L, 10L, 11L, 40L, 250L)) {
      long due = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      clock.schedule(() -> lateNanos.merge(millis, clock.nanoTime() - due, (a, b) -> -1L), TimeUnit.MILLISECONDS.toNanos(millis));
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lateNanos.size() == 6);
    // -1 would mean a second run; a negative lateness, a run before the task was due.
    assertThat(lateNanos.values()).allSatisfy(late -> assertThat(late).isNotNegative());
  }

  @Test
  void cancelledOnTheWheel_neverRuns() {
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 100; i++) {
      clock.schedule(ran::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(20 + i)).cancel();
    }
    Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> ran.get() == 0);
  }

  @Test
  void cancelledAfterItLeftTheWheel_neverRuns() {
    AtomicInteger ran = new AtomicInteger();
    Clock.Timer timer = clock.schedule(ran::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(300));
    SystemClock.TwoStage twoStage = (SystemClock.TwoStage) timer;
    twoStage.moveToTimerThread(); // as the wheel does two ticks before it is due (and will again: a no-op then)
    assertThat(twoStage.leftTheWheel()).isTrue();
    timer.cancel();
    Awaitility.await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> ran.get() == 0);
  }

  @Test
  void leftTheWheel_runsOnceWhenDue() {
    AtomicInteger ran = new AtomicInteger();
    long due = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
    AtomicInteger early = new AtomicInteger();
    SystemClock.TwoStage twoStage = (SystemClock.TwoStage) clock.schedule(() -> {
      ran.incrementAndGet();
      if (clock.nanoTime() < due) {
        early.incrementAndGet();
      }
    }, TimeUnit.MILLISECONDS.toNanos(300));
    twoStage.moveToTimerThread();
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> ran.get() == 1);
    Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> ran.get() == 1);
    assertThat(early.get()).isZero();
  }
}
