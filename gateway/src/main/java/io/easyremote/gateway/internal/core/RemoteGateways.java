package io.easyremote.gateway.internal.core;

/**
 * The other gateways of a cluster, as the core sees them: where a call goes that no local node can
 * take (nobody here offers its function, or it is pinned to a node another gateway holds).
 * {@code internal/cluster} implements it; a gateway outside a cluster has none.
 */
public interface RemoteGateways {
  /**
   * The gateway to forward {@code request} to, or null to answer it here as usual. Called under the
   * routing lock: quick, no I/O.
   */
  String choose(CallRequestSpec request);

  /**
   * Sends the call to {@code gatewayId} and completes {@code reply} exactly once, from any thread,
   * at the latest shortly after the call's deadline. Never called under the routing lock. Returns
   * what cancels the call there (the caller went away); never null.
   */
  Runnable forward(String gatewayId, CallRequestSpec request, CallSink reply);
}
