package io.easyremote.client;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of a successful call with its details, from
 * {@link Client#callDetailed(String, Class, Object...)}.
 *
 * @param value the decoded result; null when the function returned null or {@code void}
 * @param nodeId the node that served the call, or null when the gateway did not say
 * @param latency the time from sending the call to receiving its reply, as measured by the client
 *     (gateway queueing, network and the function's own time together)
 * @param <T> the result type
 */
public record CallResult<T>(T value, String nodeId, Duration latency) {
  /** Checks the latency is present and not negative. */
  public CallResult {
    Objects.requireNonNull(latency, "latency");
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency must be >= 0: " + latency);
    }
  }
}
