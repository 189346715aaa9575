package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import java.util.Locale;

/**
 * How a finished call is named in metrics, the dashboard and {@code /api/calls/recent}: its
 * {@linkplain #label outcome} ({@code ok} or the error code in lower case, the same everywhere)
 * and whose {@linkplain #fault fault} a failure was, so that callers' mistakes never read as
 * unhealthy nodes.
 *
 * <table>
 *   <caption>Faults</caption>
 *   <tr><td>{@code none}</td><td>the call succeeded</td></tr>
 *   <tr><td>{@code caller}</td><td>unknown function, bad arguments or request, missing or insufficient key, too large, cancelled</td></tr>
 *   <tr><td>{@code node}</td><td>the function threw, or the node was lost mid-call (or, for a job, the gateway it ran on)</td></tr>
 *   <tr><td>{@code capacity}</td><td>no node free or able in time: overloaded, no node available, deadline passed, gateway unavailable</td></tr>
 *   <tr><td>{@code gateway}</td><td>a bug in EasyRemote (INTERNAL)</td></tr>
 * </table>
 */
public final class Outcome {
  private Outcome() {}

  /** {@code ok}, or the error code in lower case ({@code function_failed}). */
  public static String label(ErrorCode error) {
    return error == null ? "ok" : error.name().toLowerCase(Locale.ROOT);
  }

  /** Whose fault a call that ended with {@code error} was (null = success): {@code none}, {@code caller}, {@code node}, {@code capacity} or {@code gateway}. */
  public static String fault(ErrorCode error) {
    if (error == null) {
      return "none";
    }
    return switch (error) {
      case FUNCTION_NOT_FOUND, INVALID_ARGUMENTS, INVALID_REQUEST, UNAUTHENTICATED, PERMISSION_DENIED, PAYLOAD_TOO_LARGE, CANCELLED,
          JOB_NOT_FOUND, INSUFFICIENT_CREDITS, QUOTA_EXCEEDED -> "caller";
      case FUNCTION_FAILED, NODE_LOST, JOB_INTERRUPTED -> "node";
      case OVERLOADED, NO_NODE_AVAILABLE, DEADLINE_EXCEEDED, UNAVAILABLE -> "capacity";
      case INTERNAL -> "gateway";
    };
  }

  /** Whether the failure counts against the node or the gateway (an error rate to page someone about). */
  public static boolean isFailure(ErrorCode error) {
    String fault = fault(error);
    return fault.equals("node") || fault.equals("gateway");
  }
}
