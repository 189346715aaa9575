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
import java.util.stream.Collectors;

/**
 * The nodes a fan-out may use: those offering the function, not draining, and meeting the client
 * copy's requirements (labels, free memory, free GPU memory, cost) and pinned node, by the rules the
 * gateway applies to a call. Asks the gateway ({@code ListFunctions}, {@code ListNodes}: on a gateway with client keys
 * that needs a key that may list nodes).
 */
public final class Eligible {
  /** The window of a map when the gateway does not say how much capacity is free. */
  static final int FALLBACK_WINDOW = 16;

  private Eligible() {}

  /**
   * The eligible nodes, in the gateway's order.
   *
   * @throws RemoteException {@link ErrorCode#FUNCTION_NOT_FOUND} when no node offers the function,
   *     or any failure of the listing calls
   */
  static List<NodeInfo> nodes(Invoker invoker, String function) {
    FunctionInfo info = GatewayQueries.functions(invoker).stream().filter(f -> f.name().equals(function)).findFirst().orElse(null);
    if (info == null) {
      throw new RemoteException(ErrorCode.FUNCTION_NOT_FOUND, "Unknown function '" + function + "': no node offers it now.");
    }
    CallOptions options = invoker.options();
    List<NodeInfo> all;
    try {
      all = GatewayQueries.nodes(invoker);
    } catch (RemoteException e) {
      if (e.code() != ErrorCode.PERMISSION_DENIED && e.code() != ErrorCode.UNAUTHENTICATED) {
        throw e;
      }
      throw new RemoteException(e.code(), "A fan-out over the nodes of '" + function + "' needs to list them, which this client may"
          + " not: use a key that may list nodes (scope read). " + e.getMessage(), false, 0, null, e);
    }
    return all.stream()
        .filter(n -> info.nodeIds().contains(n.id()))
        .filter(n -> !n.state().equals("DRAINING"))
        .filter(n -> options.node() == null || options.node().equals(n.id()))
        .filter(n -> matches(n, options))
        .toList();
  }

  /**
   * The free slots of the eligible nodes now (all their slots when none is free), from 1 to
   * {@link FanOut#MAX_WINDOW}; {@link #FALLBACK_WINDOW} when the gateway cannot or will not say.
   */
  public static int freeCapacity(Invoker invoker, String function) {
    List<NodeInfo> nodes;
    try {
      nodes = nodes(invoker, function);
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
  static String ids(List<NodeInfo> nodes) {
    return nodes.stream().map(NodeInfo::id).collect(Collectors.joining(", "));
  }
}
