package io.easyremote.cluster;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One node connected to this gateway, as the gateway hands it to {@link ClusterDirectory#publish}.
 *
 * <p>Only membership (id, functions, capacity, health, labels, cost) is shared per node, and only
 * when it changes; {@code inFlight} is summed per function into the gateway's load, never sent
 * per node.
 *
 * @param id the node id, unique in the cluster
 * @param functions the function names it offers
 * @param capacity its declared max concurrency (≥ 0)
 * @param inFlight calls running on it now (≥ 0)
 * @param health its health
 * @param labels its labels (for requirement filters)
 * @param cost its declared cost per call (≥ 0)
 * @param idempotent the functions of {@code functions} that may run twice (a gateway that lost a
 *     forwarded call may send it elsewhere again)
 */
public record LocalNode(String id, Set<String> functions, int capacity, int inFlight, NodeHealth health,
    Map<String, String> labels, double cost, Set<String> idempotent) {
  /** Checks and copies the fields. */
  public LocalNode {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(health, "health");
    functions = Set.copyOf(functions);
    idempotent = Set.copyOf(idempotent);
    labels = Map.copyOf(labels);
    if (capacity < 0 || inFlight < 0) {
      throw new IllegalArgumentException("node " + id + ": capacity " + capacity + " and in flight " + inFlight + " must be >= 0");
    }
    if (!(cost >= 0)) {
      throw new IllegalArgumentException("node " + id + ": cost " + cost + " must be >= 0");
    }
  }

  /** A node none of whose functions is marked idempotent. */
  public LocalNode(String id, Set<String> functions, int capacity, int inFlight, NodeHealth health, Map<String, String> labels,
      double cost) {
    this(id, functions, capacity, inFlight, health, labels, cost, Set.of());
  }

  /** An {@link NodeHealth#UP} node without labels and with cost 0. */
  public static LocalNode of(String id, Set<String> functions, int capacity, int inFlight) {
    return new LocalNode(id, functions, capacity, inFlight, NodeHealth.UP, Map.of(), 0);
  }

  /** Free slots: capacity minus calls in flight, at least 0. */
  public int free() {
    return Math.max(0, capacity - inFlight);
  }
}
