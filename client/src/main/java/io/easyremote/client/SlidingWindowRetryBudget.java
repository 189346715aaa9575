package io.easyremote.client;

import java.time.Duration;
import java.util.Objects;

/**
 * A sliding-window retry budget: how many retries a client may add on top of its calls, so that
 * an outage cannot multiply the load on a gateway that is already struggling. (The gateway's own
 * failover budget is a different algorithm, a token bucket.) A retry is allowed when either
 *
 * <ul>
 *   <li>the retries made over the last {@code window} (every retry, floor ones included) stay
 *       within {@code ratio} of the calls started over that window (calls made with the same
 *       budget settings), or
 *   <li>fewer than {@code minRetriesPerSecond} retries were allowed this way in the last second
 *       (a floor, so that a client making few calls can still retry).
 * </ul>
 *
 * <p>So over any window, retries are at most {@code ratio × calls + minRetriesPerSecond × window
 * seconds}. A retry the budget refuses fails the call with its last error, and counts in
 * {@link ClientStats#retriesDeniedByBudget()}. The budget's state is shared by a root
 * {@link Client} and every copy derived from it. Immutable.
 *
 * <pre>{@code
 * RetryPolicy careful = RetryPolicy.builder().budget(new SlidingWindowRetryBudget(0.1, Duration.ofSeconds(30), 1)).build();
 * }</pre>
 *
 * @param ratio retries allowed per call started in the window: from 0 (only the floor) to 10;
 *     default 0.2
 * @param window the sliding window the ratio is measured over, from 1 second to 10 minutes;
 *     default 10 seconds
 * @param minRetriesPerSecond retries allowed each second whatever the ratio says, from 0 to 1000;
 *     default 5
 */
public record SlidingWindowRetryBudget(double ratio, Duration window, int minRetriesPerSecond) {
  private static final Duration MIN_WINDOW = Duration.ofSeconds(1);
  private static final Duration MAX_WINDOW = Duration.ofMinutes(10);

  /** Retries at most 20% of calls over 10 seconds, plus 5 per second. */
  public static final SlidingWindowRetryBudget DEFAULT = new SlidingWindowRetryBudget(0.2, Duration.ofSeconds(10), 5);

  /**
   * Checks every value.
   *
   * @throws IllegalArgumentException naming the value when one is out of range
   */
  public SlidingWindowRetryBudget {
    if (!(ratio >= 0 && ratio <= 10)) {
      throw new IllegalArgumentException("retry budget ratio must be 0 to 10: " + ratio);
    }
    Objects.requireNonNull(window, "window");
    if (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException("retry budget window must be 1 s to 10 min: " + window);
    }
    if (minRetriesPerSecond < 0 || minRetriesPerSecond > 1000) {
      throw new IllegalArgumentException("minRetriesPerSecond must be 0 to 1000: " + minRetriesPerSecond);
    }
  }
}
