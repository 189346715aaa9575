package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;

/**
 * Where the outcome of one call goes: implemented by each front end (gRPC, HTTP, ...). Exactly
 * one of the methods is called, once, from any thread.
 */
public interface CallSink {
  /** The function answered. {@code nodeId} names the node that served it. */
  void onResult(Payload payload, String nodeId);

  /** The call failed; {@code error} carries the code and a message. */
  void onError(Error error);

  /**
   * The call is being sent to {@code nodeId} (again, after a lost node, when {@code attempt} &gt; 1),
   * under the routing lock: only record the fact, quickly (async jobs show it as their node; tracing
   * starts a span). Returns the trace context to pass to the node in {@code Invoke.trace}; none by
   * default.
   */
  default java.util.Map<String, String> onDispatch(String nodeId, int attempt) {
    return java.util.Map.of();
  }
}
