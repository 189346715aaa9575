package io.easyremote.client.internal.fanout;

import io.easyremote.client.CallOptions;
import io.easyremote.client.FanOut;
import io.easyremote.client.internal.call.GatewayQueries;
import io.easyremote.client.internal.call.Invoker;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.NodeResources;
import io.easyremote.protocol.RemoteException;
import java.util.List;
import java.util.Map;

/**
 * The nodes a fan-out may use: those offering the function, not draining, and meeting the client
 * copy's requirements (labels, free memory, free GPU memory, cost) and pinned node, by the rules the
 * gateway applies to a call. Asks the gateway ({@code ListFunctions}, and {@code ListNodes} for requirements and free
 * capacity: on a gateway with client keys, that needs a key that may list nodes).
 */
public final class Eligible {
  /** The window of a map when the gateway does not say how much capacity is free. */
  static final int FALLBACK_WINDOW = 16;

  private Eligible() {}

  /**
   * The ids of the eligible nodes, in the gateway's order. Filtering by requirements needs the node
   * list; without requirements, a caller that may not list nodes uses the function list's node ids
   * (which the gateway gives to key holders, for pinned calls and broadcasts).
   *
   * @throws RemoteException {@link ErrorCode#FUNCTION_NOT_FOUND} when no node offers the function,
   *     the denial when the caller may not learn the nodes it needs, or any failure of the listings
   */
  static List<String> nodeIds(Invoker invoker, String function) {
    FunctionInfo info = function(invoker, function);
    try {
      return eligible(invoker, info).stream().map(NodeInfo::id).toList();
    } catch (RemoteException e) {
      CallOptions options = invoker.options();
      if (!denied(e) || options.hasRequirements() || info.nodeIds().isEmpty()) {
        throw e;
      }
      return info.nodeIds().stream().filter(id -> options.node() == null || options.node().equals(id)).toList();
    }
  }

  private static FunctionInfo function(Invoker invoker, String function) {
    FunctionInfo info = GatewayQueries.functions(invoker).stream().filter(f -> f.name().equals(function)).findFirst().orElse(null);
    if (info == null) {
      throw new RemoteException(ErrorCode.FUNCTION_NOT_FOUND, "Unknown function '" + function + "': no node offers it now.");
    }
    return info;
  }

  /** The eligible nodes with their figures; needs {@code ListNodes}. */
  private static List<NodeInfo> eligible(Invoker invoker, FunctionInfo info) {
    CallOptions options = invoker.options();
    List<NodeInfo> all;
    try {
      all = GatewayQueries.nodes(invoker);
    } catch (RemoteException e) {
      if (!denied(e)) {
        throw e;
      }
      throw new RemoteException(e.code(), "A fan-out over the nodes of '" + info.name() + "'"
          + (options.hasRequirements() ? " with node requirements" : "") + " needs to list them, which this client may not:"
          + " use a key that may list nodes (scope read). " + e.getMessage(), false, 0, null, e);
    }
    return all.stream()
        .filter(n -> info.nodeIds().contains(n.id()))
        .filter(n -> !n.state().equals("DRAINING"))
        .filter(n -> options.node() == null || options.node().equals(n.id()))
        .filter(n -> matches(n, options))
        .toList();
  }

  private static boolean denied(RemoteException e) {
    return e.code() == ErrorCode.PERMISSION_DENIED || e.code() == ErrorCode.UNAUTHENTICATED;
  }

  /**
   * The free slots of the eligible nodes now (all their slots when none is free), from 1 to
   * {@link FanOut#MAX_WINDOW}; {@link #FALLBACK_WINDOW} when the gateway cannot or will not say.
   */
  public static int freeCapacity(Invoker invoker, String function) {
    List<NodeInfo> nodes;
    try {
      nodes = eligible(invoker, function(invoker, function));
    } catch (RemoteException e) {
      return FALLBACK_WINDOW;
    }
    long free = nodes.stream().mapToLong(n -> Math.max(0, n.maxConcurrency() - n.inFlight())).sum();
    long all = nodes.stream().mapToLong(NodeInfo::maxConcurrency).sum();
    long window = free > 0 ? free : all > 0 ? all : FALLBACK_WINDOW;
    return (int) Math.max(1, Math.min(FanOut.MAX_WINDOW, window));
  }

  /** Whether {@code node} meets what {@code options} require. */
  static boolean matches(NodeInfo node, CallOptions options) {
    for (Map.Entry<String, String> want : options.labels().entrySet()) {
      String have = node.labels().get(want.getKey());
      if (have == null || (!want.getValue().equals("*") && !want.getValue().equals(have))) {
        return false;
      }
    }
    NodeResources r = node.resources();
    if (options.minMemoryFreeBytes() > 0 && r.memoryFreeBytes() < options.minMemoryFreeBytes()) {
      return false;
    }
    if (options.minGpuMemoryFreeBytes() > 0
        && r.gpus().stream().mapToLong(NodeResources.Gpu::memoryFreeBytes).max().orElse(-1) < options.minGpuMemoryFreeBytes()) {
      return false;
    }
    return !(options.maxCost() > 0 && node.cost() > options.maxCost());
  }

  /** {@code a, b, c} */
  static String ids(List<String> nodeIds) {
    return String.join(", ", nodeIds);
  }
}
