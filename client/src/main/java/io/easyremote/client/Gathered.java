package io.easyremote.client;

import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link Client#broadcast(String, Class, FanOut, Object...) broadcast} gathered: one call
 * per matching node, by node id.
 *
 * <pre>{@code
 * Gathered<double[]> grads = client.broadcast("gradient", double[].class,
 *     FanOut.builder().quorum(3).within(Duration.ofSeconds(10)).build(), step);
 * grads.results().forEach((node, g) -> sum(g));          // at least 3 entries
 * }</pre>
 *
 * @param results the values of the nodes that answered, by node id, in the order they answered
 * @param errors the failures of the nodes whose call failed, by node id
 * @param unanswered the nodes still running when the quorum was reached (their calls were
 *     cancelled)
 * @param elapsed from the first call to the gathering's end
 * @param <T> the result type
 */
public record Gathered<T>(Map<String, T> results, Map<String, RemoteException> errors, List<String> unanswered, Duration elapsed) {
  /** Copies the collections, keeping their order; values may be null. */
  public Gathered {
    results = Collections.unmodifiableMap(new LinkedHashMap<>(results));
    errors = Collections.unmodifiableMap(new LinkedHashMap<>(errors));
    unanswered = List.copyOf(unanswered);
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** The number of nodes called. */
  public int nodes() {
    return results.size() + errors.size() + unanswered.size();
  }
}
