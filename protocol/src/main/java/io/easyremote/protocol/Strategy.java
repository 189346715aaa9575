package io.easyremote.protocol;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How the gateway chooses among nodes that offer a function, match the call's requirements and
 * have a free slot. Every strategy only ever picks such a node; when there is none the call waits
 * in the function's queue. The {@link #wireName()}s are stable on the wire, in HTTP and in the CLI.
 */
public enum Strategy {
  /** Takes the nodes in turn. */
  ROUND_ROBIN("round_robin"),
  /** Power of two choices on {@code (in_flight + 1) / capacity}: bigger nodes get proportionally more concurrent work. */
  LEAST_LOADED("least_loaded"),
  /** Power of two choices on the observed service time (EWMA) times outstanding calls; fast failures count at a penalty latency. */
  LATENCY("latency"),
  /** Prefers the node with the most spare CPU, memory and GPU from its heartbeats. */
  RESOURCE_AWARE("resource_aware"),
  /** The cheapest node by declared cost (under the call's cost limit), then the least loaded. */
  COST_AWARE("cost_aware"),
  /** The default: power of two choices on {@code latency × (1 + in_flight / capacity)}, penalising recent errors. */
  SMART("smart");

  private final String wireName;

  Strategy(String wireName) {
    this.wireName = wireName;
  }

  /** The stable name, e.g. {@code least_loaded}. */
  public String wireName() {
    return wireName;
  }

  /**
   * The strategy with this wire name (case-insensitive; {@code -} accepted for {@code _}).
   *
   * @throws IllegalArgumentException naming the valid names when there is no such strategy
   */
  public static Strategy fromWireName(String name) {
    String normalized = name.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
    for (Strategy s : values()) {
      if (s.wireName.equals(normalized)) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown strategy '" + name + "'. Valid: "
        + Arrays.stream(values()).map(Strategy::wireName).collect(Collectors.joining(", ")) + ".");
  }
}
