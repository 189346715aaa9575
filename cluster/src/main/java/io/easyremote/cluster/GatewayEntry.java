package io.easyremote.cluster;

import java.util.Map;

/**
 * Everything the directory knows about one other gateway: its nodes and, per function, its offer.
 * Immutable; a change replaces the entry.
 *
 * @param gatewayId the gateway
 * @param nodes its nodes by id
 * @param offers its offer per function name
 */
public record GatewayEntry(String gatewayId, Map<String, RemoteNode> nodes, Map<String, FunctionOffer> offers) {
  /** Keeps the maps as given: the directory builds them unmodifiable and never changes them. */
  public GatewayEntry {
  }
}
