package io.easyremote.cluster;

import java.util.Map;
import java.util.Set;

/**
 * A node of another gateway, as this gateway's directory knows it. Its load is not known per node:
 * see {@link FunctionOffer} for the free slots of its gateway.
 *
 * @param gatewayId the gateway it is connected to (where a call for it must go)
 * @param id the node id
 * @param functions the function names it offers
 * @param capacity its declared max concurrency
 * @param health its health as its gateway last said
 * @param labels its labels
 * @param cost its declared cost per call
 * @param idempotent the functions it offers that may run twice
 */
public record RemoteNode(String gatewayId, String id, Set<String> functions, int capacity, NodeHealth health,
    Map<String, String> labels, double cost, Set<String> idempotent) {
  /** A node none of whose functions is marked idempotent. */
  public RemoteNode(String gatewayId, String id, Set<String> functions, int capacity, NodeHealth health, Map<String, String> labels,
      double cost) {
    this(gatewayId, id, functions, capacity, health, labels, cost, Set.of());
  }
}
