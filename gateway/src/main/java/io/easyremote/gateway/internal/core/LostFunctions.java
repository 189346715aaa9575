package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.FunctionSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Functions whose last node was lost (its stream broke, or it fell silent and was given up) a
 * moment ago: until its wait ends, a call to one waits in its queue for a node to register again
 * instead of failing with FUNCTION_NOT_FOUND, as calls do during the registration grace after a
 * gateway restart. A node that drained away is not waited for: its functions were withdrawn.
 *
 * <p>Each entry keeps the spec the lost node declared, so a waiting call passes the same checks
 * (streaming, the caller's grant) as when a node is there. Not thread-safe: used under the
 * routing lock.
 */
final class LostFunctions {
  private record Lost(FunctionSpec spec, long untilNanos) {}

  private final Map<String, Lost> byName = new HashMap<>();

  /** The node's functions that no node offers any more now wait for one until {@code untilNanos}. */
  void lost(NodeSession node, RoutingTable table, long untilNanos) {
    for (Map.Entry<String, FunctionSpec> e : node.functions.entrySet()) {
      if (table.offering(e.getKey()).isEmpty()) {
        byName.put(e.getKey(), new Lost(e.getValue(), untilNanos));
      }
    }
  }

  /** The lost node's spec of {@code function} while calls to it wait for a node; else null. */
  FunctionSpec awaited(String function, long nowNanos) {
    Lost lost = byName.get(function);
    return lost == null || nowNanos - lost.untilNanos() >= 0 ? null : lost.spec();
  }

  /** A node offers these functions again: nothing to wait for. */
  void registered(Collection<String> functions) {
    if (!byName.isEmpty()) {
      byName.keySet().removeAll(functions);
    }
  }

  /** Forgets the functions whose wait is over and returns their names. */
  List<String> expire(long nowNanos) {
    List<String> over = new ArrayList<>();
    for (Iterator<Map.Entry<String, Lost>> it = byName.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Lost> e = it.next();
      if (nowNanos - e.getValue().untilNanos() >= 0) {
        over.add(e.getKey());
        it.remove();
      }
    }
    return over;
  }
}
