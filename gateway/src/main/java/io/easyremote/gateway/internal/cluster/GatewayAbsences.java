package io.easyremote.gateway.internal.cluster;

import io.easyremote.cluster.DirectoryView;
import io.easyremote.cluster.FunctionOffer;
import io.easyremote.cluster.GatewayEntry;
import io.easyremote.cluster.RemoteNode;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The other gateways that cannot take calls for the moment, and why a call finds no gateway for a
 * function the cluster knows: a gateway NATS answered "no responders" for is skipped for a while
 * ({@link #skip}); one that vanished from the directory without a goodbye is remembered with what
 * it offered ({@link #vanished}). Such a call fails as UNAVAILABLE (it never ran: retry), never as
 * FUNCTION_NOT_FOUND ({@link #unserved}). Thread-safe.
 */
final class GatewayAbsences {
  /** How long a gateway that had no responder is skipped: the directory drops it within its expiry anyway. */
  static final long SKIP_NANOS = TimeUnit.SECONDS.toNanos(3);
  /** How long after a gateway vanished calls to the functions it offered fail as UNAVAILABLE, not FUNCTION_NOT_FOUND. */
  static final long VANISHED_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** The retry-after of a call no gateway can take for the moment: about a node's reconnect to another gateway. */
  static final long RETRY_AFTER_MILLIS = 1_000;
  private static final int MAX_REMEMBERED = 10_000;

  /** Gateways that answered "no responders" (gone, not yet expired from the directory), until when to skip them. */
  private final ConcurrentHashMap<String, Long> skippedUntil = new ConcurrentHashMap<>();
  /** The view as of the directory's last change: what a gateway that vanished offered. */
  private volatile DirectoryView lastView;
  /** Functions whose gateway vanished lately, with that gateway and when. */
  private final ConcurrentHashMap<String, Vanished> vanished = new ConcurrentHashMap<>();

  private record Vanished(String gatewayId, long atNanos) { }

  /** NATS answered "no responders" for {@code gatewayId}: it is skipped for {@link #SKIP_NANOS}. */
  void skip(String gatewayId, long nowNanos) {
    skippedUntil.put(gatewayId, nowNanos + SKIP_NANOS);
  }

  /** Whether calls may go to {@code gatewayId} now: false while it is skipped. */
  boolean reachable(String gatewayId, long nowNanos) {
    Long until = skippedUntil.get(gatewayId);
    if (until == null) {
      return true;
    }
    if (nowNanos - until >= 0) {
      skippedUntil.remove(gatewayId, until);
      return true;
    }
    return false;
  }

  /** {@code gatewayId} (re)joined the directory: it is worth trying again. */
  void joined(String gatewayId) {
    skippedUntil.remove(gatewayId);
  }

  /** The directory's view after a change: kept, so that a gateway's offers are known once it vanishes from the next view. */
  void viewChanged(DirectoryView view) {
    lastView = view;
  }

  /**
   * {@code gatewayId} vanished without saying goodbye (stopped heartbeating, or restarted): the
   * functions it offered, as of the view before, are remembered for {@link #VANISHED_WAIT_NANOS}.
   */
  void vanished(String gatewayId, long nowNanos) {
    DirectoryView before = lastView;
    GatewayEntry entry = before == null ? null : before.gateways().get(gatewayId);
    if (entry == null) {
      return;
    }
    vanished.values().removeIf(v -> nowNanos - v.atNanos() > VANISHED_WAIT_NANOS); // a rare event: the sweep keeps the map small
    for (RemoteNode node : entry.nodes().values()) {
      for (String function : node.functions()) {
        if (vanished.size() < MAX_REMEMBERED || vanished.containsKey(function)) {
          vanished.put(function, new Vanished(gatewayId, nowNanos));
        }
      }
    }
  }

  /**
   * Why no other gateway can take {@code request}, which the forwarder found no gateway for in
   * {@code view}, when the cluster knows its function; null when it does not (the function is
   * unknown). A function some gateway lists is never unknown: that gateway is skipped (NATS had no
   * responder for it a moment ago, and it may be reconnecting), its nodes for it are not ready, or
   * none meets the call's requirements. A call pinned to a node, or forwarded here by another
   * gateway (never sent on), is only told of a gateway that vanished.
   */
  Error unserved(DirectoryView view, CallRequestSpec request, boolean mayGoOn, long nowNanos) {
    String function = request.function();
    List<FunctionOffer> offers = mayGoOn && request.pinnedNode() == null ? view.offers(function) : List.of();
    if (!offers.isEmpty()) {
      FunctionOffer ready = null;
      for (FunctionOffer offer : offers) {
        // Not reachable(): the skip the forwarder just saw may have run out since, and this answer must agree with it.
        if (skippedUntil.containsKey(offer.gatewayId())) {
          return unavailable(function, "gateway '" + offer.gatewayId() + "', which offers it, had no subscriber on NATS a "
              + "moment ago (it may be reconnecting)");
        }
        if (ready == null && offer.healthyNodes() > 0) {
          ready = offer;
        }
      }
      if (ready == null) {
        return unavailable(function, "the nodes of gateway '" + offers.get(0).gatewayId() + "' that offer it are not ready "
            + "for calls (suspect or draining)");
      }
      if (!request.requirements().isEmpty()) {
        return Wire.error(ErrorCode.NO_NODE_AVAILABLE, "No node offering '" + function + "' on the cluster's other gateways "
            + "meets the call's requirements.");
      }
      return unavailable(function, "gateway '" + ready.gatewayId() + "', which offers it, could not take it just now");
    }
    Vanished v = vanished.get(function);
    if (v == null) {
      return null;
    }
    if (nowNanos - v.atNanos() > VANISHED_WAIT_NANOS) {
      vanished.remove(function, v);
      return null;
    }
    return unavailable(function, "gateway '" + v.gatewayId() + "', which offered it, stopped answering a moment ago (its "
        + "nodes may be moving to another gateway)");
  }

  private static Error unavailable(String function, String why) {
    return Wire.error(ErrorCode.UNAVAILABLE, "No gateway can take '" + function + "' right now: " + why + "; it never ran: retry.")
        .toBuilder().setRetryAfterMs(RETRY_AFTER_MILLIS).build();
  }
}
