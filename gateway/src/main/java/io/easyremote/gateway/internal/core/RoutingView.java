package io.easyremote.gateway.internal.core;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of the routing state for front ends and status pages, valid only inside
 * {@link CallScheduler#read} (which holds the routing lock while the reader runs).
 */
public final class RoutingView {
  private final RoutingTable table;
  private final Dispatcher dispatcher;

  RoutingView(RoutingTable table, Dispatcher dispatcher) {
    this.table = table;
    this.dispatcher = dispatcher;
  }

  /** Connected nodes in registration order. */
  public Collection<NodeSession> nodes() {
    return table.nodes();
  }

  /** Names of all registered functions mapped to the nodes offering each. */
  public Map<String, List<NodeSession>> functions() {
    return table.functions();
  }

  /** The nodes offering {@code function} (empty when none). */
  public List<NodeSession> offering(String function) {
    return table.offering(function);
  }

  /** The connected node with this id, or null. */
  public NodeSession node(String nodeId) {
    return table.node(nodeId);
  }

  /**
   * Nodes lost a moment ago (not drained) and not registered again, while calls to their functions
   * wait for them to reconnect.
   */
  public List<NodeSession> awaitedNodes() {
    return dispatcher.awaitedNodes();
  }

  /** Calls waiting for {@code function}. */
  public int queued(String function) {
    return dispatcher.queued(function);
  }
}
