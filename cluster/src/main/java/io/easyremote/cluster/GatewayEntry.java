package io.easyremote.cluster;

import java.util.Map;

/**
 * Everything the directory knows about one other gateway: its nodes and, per function, its offer.
 * Immutable; a change replaces the entry.
 *
 * @param gatewayId the gateway
 * @param nodes its nodes by id
 * @param offers its offer per function name
 * @param specs the spec of each function its nodes offer, as the gateway shared it (opaque bytes:
 *     the gateway's FunctionSpec), by function name; a function whose spec has not arrived is absent
 */
public record GatewayEntry(String gatewayId, Map<String, RemoteNode> nodes, Map<String, FunctionOffer> offers,
    Map<String, com.google.protobuf.ByteString> specs) {
  /** An entry without specs. */
  public GatewayEntry(String gatewayId, Map<String, RemoteNode> nodes, Map<String, FunctionOffer> offers) {
    this(gatewayId, nodes, offers, Map.of());
  }

  /** Keeps the maps as given: the directory builds them unmodifiable and never changes them. */
  public GatewayEntry {
  }
}
