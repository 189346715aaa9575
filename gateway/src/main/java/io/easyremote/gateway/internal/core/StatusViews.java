package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.NodeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds the wire status messages (ListNodes, ListFunctions) from a consistent scheduler view. */
public final class StatusViews {
  private final CallScheduler scheduler;
  private volatile ClusterListing cluster;

  public StatusViews(CallScheduler scheduler) {
    this.scheduler = scheduler;
  }

  /** Lists the other gateways' nodes too in {@link #clusterNodes} and {@link #clusterFunctions} (null: not in a cluster). */
  public void cluster(ClusterListing listing) {
    this.cluster = listing;
  }

  /** Every node of the cluster: this gateway's (first), then the others', each with its gateway id; {@link #nodes()} outside a cluster. */
  public List<NodeInfo> clusterNodes() {
    ClusterListing listing = cluster;
    List<NodeInfo> local = nodes();
    if (listing == null) {
      return local;
    }
    List<NodeInfo> all = new ArrayList<>(local.size());
    for (NodeInfo node : local) {
      all.add(node.toBuilder().setGatewayId(listing.gatewayId()).build());
    }
    all.addAll(listing.remoteNodes());
    return all;
  }

  /**
   * The functions of the whole cluster {@code grant} may see: this gateway's, with the other
   * gateways' nodes added, and those only other gateways offer, with the spec their gateway shared
   * through the directory (by name only until it arrives). {@link #functions(CallGrant)} outside a cluster.
   */
  public List<FunctionInfo> clusterFunctions(CallGrant grant) {
    ClusterListing listing = cluster;
    List<FunctionInfo> local = functions(grant);
    if (listing == null) {
      return local;
    }
    boolean showNodes = grant.may(Permission.LIST) || grant.principal() != null;
    Map<String, FunctionInfo.Builder> byName = new TreeMap<>();
    for (FunctionInfo info : local) {
      byName.put(info.getSpec().getName(), info.toBuilder());
    }
    java.util.Set<String> localNames = new java.util.HashSet<>(byName.keySet());
    Map<String, FunctionSpec> remoteSpecs = listing.remoteSpecs();
    for (NodeInfo node : listing.remoteNodes()) {
      for (String function : node.getFunctionsList()) {
        FunctionInfo.Builder info = byName.get(function);
        if (info == null && !localNames.contains(function)) {
          FunctionSpec shared = remoteSpecs.get(function);
          FunctionSpec spec = shared != null && shared.getName().equals(function) ? shared : FunctionSpec.newBuilder().setName(function).build();
          if (!grant.maySee(function, spec)) {
            continue;
          }
          info = FunctionInfo.newBuilder().setSpec(spec);
          byName.put(function, info);
        }
        if (info != null && showNodes) {
          info.addNodeIds(node.getNodeId());
        }
      }
    }
    List<FunctionInfo> out = new ArrayList<>(byName.size());
    byName.values().forEach(b -> out.add(b.build()));
    return out;
  }

  /** Every connected node, in registration order. */
  public List<NodeInfo> nodes() {
    return scheduler.read(view -> {
      List<NodeInfo> out = new ArrayList<>();
      for (NodeSession node : view.nodes()) {
        out.add(toWire(node));
      }
      return out;
    });
  }

  /**
   * Nodes lost a moment ago (not drained) whose functions calls still wait for, in state
   * {@code LOST} with nothing in flight ({@link RoutingView#awaitedNodes}).
   */
  public List<NodeInfo> awaitedNodes() {
    return scheduler.read(view -> {
      List<NodeInfo> out = new ArrayList<>();
      for (NodeSession node : view.awaitedNodes()) {
        out.add(toWire(node).toBuilder().setState("LOST").setInFlight(0).build());
      }
      return out;
    });
  }

  /** One node, or null when it is not connected. */
  public NodeInfo node(String nodeId) {
    return scheduler.read(view -> {
      for (NodeSession node : view.nodes()) {
        if (node.nodeId.equals(nodeId)) {
          return toWire(node);
        }
      }
      return null;
    });
  }

  /** Every registered function, sorted by name. */
  public List<FunctionInfo> functions() {
    return functions(CallGrant.OPEN);
  }

  /**
   * The registered functions {@code grant} may see, sorted by name. Node ids (which pinned calls
   * and broadcasts need) go to callers with a key or who may list nodes, never to anonymous ones.
   */
  public List<FunctionInfo> functions(CallGrant grant) {
    boolean showNodes = grant.may(Permission.LIST) || grant.principal() != null;
    return scheduler.read(view -> {
      List<FunctionInfo> out = new ArrayList<>();
      for (Map.Entry<String, List<NodeSession>> e : new TreeMap<>(view.functions()).entrySet()) {
        List<NodeSession> offering = e.getValue();
        FunctionSpec spec = offering.get(0).functions.get(e.getKey());
        if (!grant.maySee(e.getKey(), spec)) {
          continue;
        }
        if (!showNodes) {
          out.add(FunctionInfo.newBuilder().setSpec(spec).setQueued(view.queued(e.getKey())).build());
          continue;
        }
        FunctionInfo.Builder info = FunctionInfo.newBuilder().setSpec(spec).setQueued(view.queued(e.getKey()));
        for (NodeSession node : offering) {
          info.addNodeIds(node.nodeId);
        }
        out.add(info.build());
      }
      return out;
    });
  }

  /** The spec of {@code function} here, else as another gateway of the cluster shared it; null when nobody offers it. */
  public FunctionSpec clusterSpec(String function) {
    FunctionSpec local = spec(function);
    ClusterListing listing = cluster;
    if (local != null || listing == null) {
      return local;
    }
    FunctionSpec shared = listing.remoteSpecs().get(function);
    return shared != null && shared.getName().equals(function) ? shared : null;
  }

  /** The spec of {@code function} as its first node declared it, or null when no node offers it. */
  public FunctionSpec spec(String function) {
    return scheduler.read(view -> {
      List<NodeSession> offering = view.functions().get(function);
      return offering == null || offering.isEmpty() ? null : offering.get(0).functions.get(function);
    });
  }

  /** The names of the functions registered now whose nodes declare them idempotent (they may run twice). */
  public java.util.Set<String> idempotentFunctions() {
    return scheduler.read(view -> {
      java.util.Set<String> out = new java.util.HashSet<>();
      for (Map.Entry<String, List<NodeSession>> e : view.functions().entrySet()) {
        FunctionSpec spec = e.getValue().isEmpty() ? null : e.getValue().get(0).functions.get(e.getKey());
        if (spec != null && spec.getIdempotent()) {
          out.add(e.getKey());
        }
      }
      return out;
    });
  }

  /** The names of the functions registered now, sorted. */
  public java.util.SortedSet<String> functionNames() {
    return scheduler.read(view -> new java.util.TreeSet<>(view.functions().keySet()));
  }

  private static NodeInfo toWire(NodeSession node) {
    NodeStats.Snapshot stats = node.stats().snapshot();
    return NodeInfo.newBuilder()
        .setNodeId(node.nodeId)
        .setState(node.state(System.nanoTime()).name())
        .putAllLabels(node.labels)
        .setResources(Wire.toWire(node.resources()))
        .setMaxConcurrency(node.maxConcurrency)
        .setInFlight(node.inFlight())
        .addAllFunctions(node.functionNames())
        .setConnectedAtMs(node.connectedAtMillis)
        .setLastHeartbeatMs(node.lastHeartbeatMillis())
        .setCallsServed(stats.callsServed())
        .setCallsFailed(stats.callsFailed())
        .setEwmaLatencyMs(stats.latencyMillis())
        .setErrorRate(stats.errorRate())
        .setConsecutiveFailures(stats.consecutiveFailures())
        .setCost(node.cost)
        .setVersion(node.version)
        .build();
  }
}
