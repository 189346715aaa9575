package io.easyremote.gateway.internal.core;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which nodes are connected, what each offers, and who owns which names. Routing reads it under
 * the routing lock, and the collections it returns are live views valid only while that lock is
 * held. {@link LocalRoutingTable} holds this gateway's nodes; a cluster implementation adds the
 * nodes held by other gateways behind the same interface.
 */
public interface RoutingTable {
  /** Decides whether a function served under one token may also be served under another. */
  @FunctionalInterface
  interface Sharing {
    boolean allowed(String function, String ownerPrincipal, String newcomerPrincipal);
  }

  /**
   * Adds a node, replacing a connected session with the same id (returned, already out of
   * routing) or null.
   *
   * @throws RegistrationException when a name it claims belongs to another owner
   */
  NodeSession add(NodeSession session, Sharing sharing, long nowNanos) throws RegistrationException;

  /** Takes the node out of routing; false when it already was. Its names stay held for its owner. */
  boolean remove(NodeSession session, long nowNanos);

  /** The nodes offering {@code function} (empty when none). */
  List<NodeSession> offering(String function);

  /** The connected node with this id, or null. */
  NodeSession node(String nodeId);

  /** Connected nodes in registration order. */
  Collection<NodeSession> nodes();

  /** Every offered function with the nodes offering it. */
  Map<String, List<NodeSession>> functions();

  /** The offered functions {@code grant} may see: listings and error messages tell nothing more. */
  Set<String> visibleTo(CallGrant grant);

  /** Releases the hold on a name whose owner disconnected; true when one was held. */
  boolean release(String name);
}
