package io.easyremote.client.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.SlidingWindowRetryBudget;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryWindowTest {
  private static final long MS = 1_000_000L;
  private final AtomicLong now = new AtomicLong(1_000_000 * MS);

  private int retriesAllowed(RetryWindow budget, int tries) {
    int allowed = 0;
    for (int i = 0; i < tries; i++) {
      if (budget.tryRetry()) {
        allowed++;
      }
    }
    return allowed;
  }

  @Test
  void ratioOfCalls_plusTheFloorPerSecond() {
    RetryWindow budget = new RetryWindow(SlidingWindowRetryBudget.DEFAULT, now::get);
    for (int i = 0; i < 100; i++) {
      budget.onCall();
    }
    assertThat(retriesAllowed(budget, 1_000)).as("20% of 100 calls, plus 5 this second").isEqualTo(25);
    now.addAndGet(1_000 * MS);
    assertThat(retriesAllowed(budget, 1_000)).as("the ratio is spent; the floor renews each second").isEqualTo(5);
    now.addAndGet(500 * MS);
    assertThat(retriesAllowed(budget, 1_000)).as("not yet a second later").isZero();
  }

  @Test
  void callsLeaveTheWindow() {
    RetryWindow budget = new RetryWindow(new SlidingWindowRetryBudget(0.5, Duration.ofSeconds(10), 0), now::get);
    for (int i = 0; i < 10; i++) {
      budget.onCall();
    }
    assertThat(retriesAllowed(budget, 100)).isEqualTo(5);
    now.addAndGet(11_000 * MS);
    for (int i = 0; i < 4; i++) {
      budget.onCall();
    }
    assertThat(retriesAllowed(budget, 100)).as("only the 4 recent calls count, and old retries are forgotten").isEqualTo(2);
  }

  @Test
  void noRatioAndNoFloor_allowsNothing() {
    RetryWindow budget = new RetryWindow(new SlidingWindowRetryBudget(0, Duration.ofSeconds(1), 0), now::get);
    budget.onCall();
    assertThat(budget.tryRetry()).isFalse();
  }

  @Test
  void sustainedFailure_retriesStayWithinRatioPlusFloor() {
    RetryWindow budget = new RetryWindow(SlidingWindowRetryBudget.DEFAULT, now::get);
    long retries = 0;
    long calls = 0;
    for (int ms = 0; ms < 60_000; ms += 5) { // a minute of 200 calls per second, each wanting 4 retries
      budget.onCall();
      calls++;
      retries += retriesAllowed(budget, 4);
      now.addAndGet(5 * MS);
    }
    assertThat(retries).isLessThanOrEqualTo(Math.round(calls * 0.2 + 5 * 60 + 5));
    assertThat(retries).as("floor retries count against the ratio too").isGreaterThanOrEqualTo(Math.round(calls * 0.2) - 5);
  }
}
