package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.NodeInfo;
import java.util.List;

/** The other gateways' nodes, for listings ({@code internal/cluster} implements it; none outside a cluster). */
public interface ClusterListing {
  /** This gateway's id in the cluster. */
  String gatewayId();

  /** The nodes of the other gateways, each with its {@code gateway_id}; only what the directory knows (no load figures). */
  List<NodeInfo> remoteNodes();

  /** The specs of the functions the other gateways' nodes offer, as those gateways shared them, by name. */
  default java.util.Map<String, io.easyremote.protocol.wire.FunctionSpec> remoteSpecs() {
    return java.util.Map.of();
  }
}
