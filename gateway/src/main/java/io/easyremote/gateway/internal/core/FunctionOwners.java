package io.easyremote.gateway.internal.core;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which principals (token names; null on an open gateway) serve each function, with how many
 * nodes each. A registration checks ownership once per principal instead of once per node
 * offering the function: with 10,000 nodes sharing a function, the per-node check made
 * registering them all quadratic and held the scheduler lock for seconds. Not thread-safe: used
 * under the scheduler's lock.
 */
final class FunctionOwners {
  private final Map<String, Map<String, Integer>> byFunction = new HashMap<>();

  /** The principals serving {@code function} now; empty when none. */
  Set<String> of(String function) {
    Map<String, Integer> owners = byFunction.get(function);
    return owners == null ? Set.of() : owners.keySet();
  }

  void add(String function, String principal) {
    byFunction.computeIfAbsent(function, f -> new HashMap<>()).merge(principal, 1, Integer::sum);
  }

  void remove(String function, String principal) {
    Map<String, Integer> owners = byFunction.get(function);
    if (owners != null) {
      owners.computeIfPresent(principal, (p, n) -> n == 1 ? null : n - 1);
      if (owners.isEmpty()) {
        byFunction.remove(function);
      }
    }
  }
}
