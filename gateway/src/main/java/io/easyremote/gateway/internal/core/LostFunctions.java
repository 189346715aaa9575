package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.FunctionSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Functions a node was lost with a moment ago (its stream broke, or it fell silent and was given
 * up): until the wait ends, a call to one that finds no node offering it waits in its queue for a
 * node to register again instead of failing with FUNCTION_NOT_FOUND, as calls do during the
 * registration grace after a gateway restart. It is recorded whether or not other nodes still
 * offer the function then: they may leave next (drained, or lost too) before the lost node is back.
 * A node that drained away is not waited for: its functions were withdrawn.
 *
 * <p>Each entry keeps the spec the lost node declared, so a waiting call passes the same checks
 * (streaming, the caller's grant) as when a node is there. The lost nodes themselves are kept for
 * as long ({@link #awaitedNodes}): a gateway in a cluster keeps listing them, as not ready, so that
 * the others send calls to their functions here to wait too instead of calling them unknown. Not
 * thread-safe: used under the routing lock.
 */
final class LostFunctions {
  private record Lost(FunctionSpec spec, long untilNanos) {}

  private record LostNode(NodeSession node, long untilNanos) {}

  private final Map<String, Lost> byName = new HashMap<>();
  private final Map<String, LostNode> nodes = new HashMap<>();

  /** Calls to the node's functions wait for a node, when none offers them, until {@code untilNanos}. */
  void lost(NodeSession node, long untilNanos) {
    for (Map.Entry<String, FunctionSpec> e : node.functions.entrySet()) {
      byName.put(e.getKey(), new Lost(e.getValue(), untilNanos));
    }
    if (nodes.size() < MAX_NODES || nodes.containsKey(node.nodeId)) { // a flood of lost nodes: their functions are still awaited
      nodes.put(node.nodeId, new LostNode(node, untilNanos));
    }
  }

  /**
   * The most lost nodes kept at once ({@link #awaitedNodes}), whatever the rate at which nodes are
   * lost (a flood of short registrations, say): past it, the functions of the nodes lost are still
   * awaited here, but the other gateways of a cluster do not see those nodes.
   */
  static final int MAX_NODES = 1_000;

  /** The nodes lost a moment ago whose functions are still awaited, in no order; some may have registered again since. */
  List<NodeSession> awaitedNodes(long nowNanos) {
    List<NodeSession> out = new ArrayList<>(nodes.size());
    for (LostNode lost : nodes.values()) {
      if (nowNanos - lost.untilNanos() < 0) {
        out.add(lost.node());
      }
    }
    return out;
  }

  /** The lost node's spec of {@code function} while calls to it wait for a node; else null. */
  FunctionSpec awaited(String function, long nowNanos) {
    Lost lost = byName.get(function);
    return lost == null || nowNanos - lost.untilNanos() >= 0 ? null : lost.spec();
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
    nodes.values().removeIf(lost -> nowNanos - lost.untilNanos() >= 0);
    return over;
  }
}
