package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** The gateway's error messages, in one place so they stay consistent across front ends. */
final class Errors {
  private static final int MAX_NAMES_LISTED = 30;

  private Errors() {}

  static Error of(ErrorCode code, String message) {
    return Wire.error(code, message);
  }

  static Error functionNotFound(String function, Collection<String> registered) {
    if (registered.isEmpty()) {
      return of(ErrorCode.FUNCTION_NOT_FOUND,
          "Unknown function '" + function + "'. No functions are registered: is a node connected?");
    }
    return of(ErrorCode.FUNCTION_NOT_FOUND, "Unknown function '" + function + "'. Registered: " + list(registered) + ".");
  }

  /** A call that had not reached a node when the gateway shut down: safe to retry elsewhere. */
  static Error shutDownBeforeANode(String function) {
    return of(ErrorCode.UNAVAILABLE, "The gateway shut down before '" + function + "' reached a node; retry.");
  }

  static Error overloaded(String function, int queued, long retryAfterMillis) {
    return Error.newBuilder()
        .setCode(Wire.toWire(ErrorCode.OVERLOADED))
        .setMessage("All nodes offering '" + function + "' are busy and its queue is full (" + queued
            + " calls waiting). Retry after " + retryAfterMillis + " ms.")
        .setRetryAfterMs(retryAfterMillis)
        .build();
  }

  static Error nodeLost(String nodeId, String function, long callId, String reason) {
    return Error.newBuilder()
        .setCode(Wire.toWire(ErrorCode.NODE_LOST))
        .setMessage("Node '" + nodeId + "' was lost while running '" + function + "' (call " + callId + "): " + reason)
        .setNodeId(nodeId)
        .setReachedNode(true)
        .build();
  }

  static String list(Collection<String> names) {
    List<String> sorted = names.stream().sorted().collect(Collectors.toList());
    if (sorted.size() <= MAX_NAMES_LISTED) {
      return String.join(", ", sorted);
    }
    return String.join(", ", sorted.subList(0, MAX_NAMES_LISTED)) + " and " + (sorted.size() - MAX_NAMES_LISTED) + " more";
  }

  static String bytes(long n) {
    if (n >= 1L << 30) {
      return String.format("%.1f GiB", n / (double) (1L << 30));
    }
    if (n >= 1 << 20) {
      return String.format("%.1f MiB", n / (double) (1 << 20));
    }
    if (n >= 1 << 10) {
      return String.format("%.1f KiB", n / 1024.0);
    }
    return n + " bytes";
  }
}
