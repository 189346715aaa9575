package io.easyremote.gateway.internal.core;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who owns each function name and node id: the principals (token names; null on an open
 * gateway) serving each function now, with how many nodes each, and the names and ids held for
 * an owner whose nodes all disconnected. A hold lasts {@code holdNanos} (or until an admin
 * releases it), so a squatter with another token cannot take a name while its owner reconnects.
 *
 * <p>A registration checks ownership once per principal instead of once per node offering the
 * function: with 10,000 nodes sharing a function, the per-node check made registering them all
 * quadratic. Holds are bounded ({@value #MAX_HOLDS}; the oldest go first). Not thread-safe: used
 * under the scheduler's lock.
 */
final class FunctionOwners {
  static final int MAX_HOLDS = 100_000;

  private record Hold(String principal, long untilNanos) {}

  private final long holdNanos;
  private final Map<String, Map<String, Integer>> byFunction = new HashMap<>();
  private final LinkedHashMap<String, Hold> heldFunctions = new LinkedHashMap<>();
  private final LinkedHashMap<String, Hold> heldNodeIds = new LinkedHashMap<>();

  FunctionOwners(long holdNanos) {
    this.holdNanos = holdNanos;
  }

  /** The principals serving {@code function} now; empty when none. */
  Set<String> of(String function) {
    Map<String, Integer> owners = byFunction.get(function);
    return owners == null ? Set.of() : owners.keySet();
  }

  /**
   * The principal holding {@code function} for a disconnected owner, if it is not {@code principal}
   * and the hold has not expired; else null.
   */
  String heldAgainst(String function, String principal, long nowNanos) {
    return heldAgainst(heldFunctions, function, principal, nowNanos);
  }

  /** As {@link #heldAgainst} for a node id. */
  String nodeIdHeldAgainst(String nodeId, String principal, long nowNanos) {
    return heldAgainst(heldNodeIds, nodeId, principal, nowNanos);
  }

  private static String heldAgainst(Map<String, Hold> holds, String name, String principal, long nowNanos) {
    Hold hold = holds.get(name);
    if (hold == null || Objects.equals(hold.principal(), principal)) {
      return null;
    }
    if (nowNanos - hold.untilNanos() > 0) {
      holds.remove(name);
      return null;
    }
    return hold.principal() == null ? "(open)" : hold.principal();
  }

  void add(String function, String principal) {
    byFunction.computeIfAbsent(function, f -> new HashMap<>()).merge(principal, 1, Integer::sum);
    heldFunctions.remove(function);
  }

  /** A node of {@code principal} stopped offering {@code function}; the last one leaves a hold. */
  void remove(String function, String principal, long nowNanos) {
    Map<String, Integer> owners = byFunction.get(function);
    if (owners != null) {
      Integer left = owners.computeIfPresent(principal, (p, n) -> n == 1 ? null : n - 1);
      if (owners.isEmpty()) {
        byFunction.remove(function);
      }
      if (left == null && principal != null && holdNanos > 0 && !owners.containsKey(principal)) {
        hold(heldFunctions, function, principal, nowNanos);
      }
    }
  }

  /** A node id registered under {@code principal}. */
  void nodeIdInUse(String nodeId) {
    heldNodeIds.remove(nodeId);
  }

  /** A node id's session ended without a replacement: the id stays with its principal for a while. */
  void nodeIdLeft(String nodeId, String principal, long nowNanos) {
    if (principal != null && holdNanos > 0) {
      hold(heldNodeIds, nodeId, principal, nowNanos);
    }
  }

  private void hold(LinkedHashMap<String, Hold> holds, String name, String principal, long nowNanos) {
    holds.remove(name);
    holds.put(name, new Hold(principal, nowNanos + holdNanos));
    // Insertion order is expiry order: drop expired holds, and the oldest beyond the bound.
    for (Iterator<Hold> it = holds.values().iterator(); it.hasNext(); ) {
      Hold oldest = it.next();
      if (holds.size() <= MAX_HOLDS && nowNanos - oldest.untilNanos() <= 0) {
        break;
      }
      it.remove();
    }
  }

  /**
   * Releases the holds on a function name or node id (an admin's decision): anyone allowed by
   * their token may take it now. Returns how many holds were released.
   */
  int release(String name) {
    int released = 0;
    if (heldFunctions.remove(name) != null) {
      released++;
    }
    if (heldNodeIds.remove(name) != null) {
      released++;
    }
    return released;
  }

  /** Holds in force or not yet cleaned up. */
  int holds() {
    return heldFunctions.size() + heldNodeIds.size();
  }
}
