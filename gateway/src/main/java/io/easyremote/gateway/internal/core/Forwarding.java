package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dispatcher's way out to the other gateways of a cluster ({@code docs/cluster.md}): a call no
 * local node can take is marked FORWARDED under the routing lock, and sent to the chosen gateway
 * after the lock is released ({@link #flush()}), as node frames are. Its answer completes it as a
 * local node's would; a cancellation follows it there. A forward that comes back unanswered (the
 * gateway was gone, or lost while the call ran there) is routed again when that is safe
 * ({@link #reroute}).
 */
final class Forwarding {
  /** Calls to forward at the next {@link #flush()} (never under the lock). */
  private final ConcurrentLinkedQueue<PendingCall> unsent = new ConcurrentLinkedQueue<>();
  /** Cancellations of forwarded calls to send at the next {@link #flush()}. */
  private final ConcurrentLinkedQueue<Runnable> cancels = new ConcurrentLinkedQueue<>();
  private volatile RemoteGateways remote;
  private final Dispatcher dispatcher;
  private final ReentrantLock lock;
  private final RoutingTable table;
  private final Clock clock;

  Forwarding(Dispatcher dispatcher, ReentrantLock lock, RoutingTable table, Clock clock) {
    this.dispatcher = dispatcher;
    this.lock = lock;
    this.table = table;
    this.clock = clock;
  }

  /** At most this many gateways are tried for one call (each forward that came back unanswered may be sent once more). */
  static final int MAX_FORWARDS = 3;

  /**
   * In a cluster, sends a call with an idempotency key to the key's home gateway when that is
   * another one (the send happens at the next {@link #flush()}); false when it stays here.
   */
  boolean toKeyHome(PendingCall call) {
    lock.lock();
    try {
      return !dispatcher.closing() && takeToKeyHome(call);
    } finally {
      lock.unlock();
    }
  }

  /**
   * A forwarded call came back unanswered ({@link RemoteGateways.Unanswered}): routes it again (to
   * another gateway, a local node, or its queue) when it never ran ({@code mayHaveRun} false) or
   * may run twice (idempotent here or elsewhere, or the caller allowed it), within its deadline,
   * {@link #MAX_FORWARDS} and the failover budget. The caller must flush after a true return. On
   * false nothing changed.
   */
  boolean reroute(PendingCall call, boolean mayHaveRun) {
    lock.lock();
    try {
      long now = clock.nanoTime();
      if (call.state() != PendingCall.State.FORWARDED || call.forwards() >= MAX_FORWARDS || call.request.deadlineNanos() - now <= 0
          || dispatcher.closing()) {
        return false;
      }
      if (call.request.stream() && call.items() > 0) {
        return false; // its caller has seen items: a stream is never started again
      }
      if (mayHaveRun && !call.request.retryNonIdempotent()) {
        java.util.List<NodeSession> local = table.offering(call.function());
        io.easyremote.protocol.wire.FunctionSpec spec = local.isEmpty() ? null : local.get(0).functions.get(call.function());
        if (spec == null || !spec.getIdempotent()) {
          return false;
        }
      }
      if (!dispatcher.tryFailover(now) || !call.forwardCancel.clear()) {
        return false;
      }
      String was = call.forwardedTo();
      call.forwardedStream(null);
      call.requeued();
      if (dispatcher.route(call) == null) {
        return true;
      }
      call.forwardTo(was); // nowhere else to go now: it fails as it came back
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Forward a call that finds every local node busy when at least this many calls of its function
   * already wait here (and another gateway has free capacity for it); negative: never.
   */
  private volatile int forwardWhenQueued = -1;
  /** Whether calls are priced here (a credits gate): then a busy call stays here, where it was reserved, so it is charged once. */
  private volatile boolean paidCalls;

  /** See {@link #forwardWhenQueued}: negative turns forwarding of busy calls off. */
  void forwardWhenQueued(int calls) {
    this.forwardWhenQueued = calls;
  }

  /** Calls pass a credits gate here: busy calls are not forwarded (their reservation is this gateway's). */
  void paidCalls(boolean paid) {
    this.paidCalls = paid;
  }

  /**
   * Marks a call forwarded that every local node is too busy to take now, when {@code queued} calls
   * of its function already wait here (at least the threshold) and another gateway's nodes report
   * free capacity; false to queue it here. Never for a pinned call, or on a gateway whose calls are
   * paid for. Called under the routing lock.
   */
  boolean takeWhenBusy(PendingCall call, int queued) {
    RemoteGateways gateways = remote;
    int threshold = forwardWhenQueued;
    if (gateways == null || threshold < 0 || queued < threshold || paidCalls || call.request.pinnedNode() != null) {
      return false;
    }
    if (!forward(call, gateways.chooseFree(call.request))) {
      return false;
    }
    busyForwards++;
    return true;
  }

  /** Calls forwarded because every local node was busy (guarded by the routing lock when written). */
  private volatile long busyForwards;

  /** Calls forwarded so far because every local node offering them was busy. */
  long busyForwards() {
    return busyForwards;
  }

  /** The cluster's other gateways, or null outside a cluster. Set before the gateway serves calls. */
  void remote(RemoteGateways gateways) {
    this.remote = gateways;
  }

  /** The cluster's other gateways, or null outside a cluster. */
  RemoteGateways remote() {
    return remote;
  }

  /** Why no gateway can take the call although the cluster knows its function ({@link RemoteGateways#unserved}), or null. */
  Error unserved(PendingCall call) {
    RemoteGateways gateways = remote;
    return gateways == null ? null : gateways.unserved(call.request);
  }

  /**
   * Marks the call (unary or stream) forwarded when another gateway of the cluster can take it (the
   * send happens at the next {@link #flush()}); false when there is none. Called under the routing
   * lock.
   */
  boolean take(PendingCall call) {
    RemoteGateways gateways = remote;
    if (gateways == null) {
      return false;
    }
    return forward(call, gateways.choose(call.request));
  }

  /**
   * Marks the call forwarded to a gateway where it can wait for a node that gateway awaits
   * ({@link RemoteGateways#chooseAwaited}); false when there is none. Called under the routing lock.
   */
  boolean takeAwaited(PendingCall call) {
    RemoteGateways gateways = remote;
    return gateways != null && forward(call, gateways.chooseAwaited(call.request));
  }

  /**
   * Marks a keyed call forwarded to its idempotency key's home gateway (sent at the next
   * {@link #flush()}); false outside a cluster, for streams, or when this gateway is its home.
   */
  boolean takeToKeyHome(PendingCall call) {
    RemoteGateways gateways = remote;
    if (gateways == null || call.request.stream() || call.request.idempotencyKey() == null) {
      return false;
    }
    return forward(call, gateways.keyHome(call.request));
  }

  /** Marks the call forwarded to {@code target}, sent at the next {@link #flush()}; false when there is no target. */
  private boolean forward(PendingCall call, String target) {
    if (target == null) {
      return false;
    }
    call.forwardTo(target);
    unsent.add(call);
    return true;
  }

  /**
   * Takes back a forwarded call still held by the cluster layer, never sent ({@link RemoteGateways#withdraw}):
   * true when it certainly never left this gateway. Under the routing lock.
   */
  boolean withdraw(PendingCall call) {
    RemoteGateways gateways = remote;
    Runnable sent = call.forwardCancel.current();
    return gateways != null && sent != null && !call.request.stream() && gateways.withdraw(sent);
  }

  /** The forwarded call was cancelled by its caller: the other gateway is told at the next {@link #flush()}. */
  void cancel(PendingCall call) {
    Runnable cancel = call.forwardCancel.cancel();
    if (cancel != null) {
      cancels.add(cancel);
    }
  }

  /** Sends what was forwarded and cancelled since the last flush. Call it after releasing the routing lock. */
  void flush() {
    PendingCall call;
    while ((call = unsent.poll()) != null) {
      send(call);
    }
    Runnable cancel;
    while ((cancel = cancels.poll()) != null) {
      cancel.run();
    }
  }

  private void send(PendingCall call) {
    RemoteGateways gateways = remote;
    if (gateways == null) { // the gateway left the cluster in between
      if (call.transition(PendingCall.State.FORWARDED, PendingCall.State.DONE)) {
        call.fail(Errors.of(ErrorCode.UNAVAILABLE, "The gateway left its cluster before '" + call.function() + "' could be forwarded; retry."));
      }
      return;
    }
    if (call.request.stream()) {
      sendStream(call, gateways);
      return;
    }
    Runnable cancel = gateways.forward(call.forwardedTo(), call.request, new ForwardedAnswer(call, gateways));
    call.forwardCancel.sent(cancel);
  }

  /**
   * Sends a stream with the credits its caller granted so far; credits granted while it was on its
   * way follow as soon as its handle is set ({@link StreamRelay#credit} sends the later ones).
   */
  private void sendStream(PendingCall call, RemoteGateways gateways) {
    long sent = call.granted();
    RemoteGateways.ForwardedStream stream = gateways.forwardStream(call.forwardedTo(), call.request, sent, new ForwardedItems(call, gateways));
    long granted = call.forwardedStream(stream);
    call.forwardCancel.sent(stream::cancel);
    if (granted > sent) {
      stream.credits(granted);
    }
  }

  /**
   * A forwarded call's answer: completes the call, or routes it again when it came back unanswered
   * and that is safe ({@link #reroute}).
   */
  private class ForwardedAnswer implements RemoteGateways.Unanswered {
    final PendingCall call;
    private final RemoteGateways gateways;

    ForwardedAnswer(PendingCall call, RemoteGateways gateways) {
      this.call = call;
      this.gateways = gateways;
    }

    @Override
    public void unanswered(Error error, boolean mayHaveRun) {
      if (reroute(call, mayHaveRun && !gateways.mayRunTwice(call.function()))) {
        dispatcher.flush(); // sends it on (another gateway, a local node) after the lock
        return;
      }
      onError(error);
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      if (call.transition(PendingCall.State.FORWARDED, PendingCall.State.DONE)) {
        call.succeed(payload, nodeId);
      }
    }

    @Override
    public void onError(Error error) {
      if (call.transition(PendingCall.State.FORWARDED, PendingCall.State.DONE)) {
        call.fail(error);
      }
    }
  }

  /** A forwarded stream's answer, relayed to its caller within the credits the caller granted. */
  private final class ForwardedItems extends ForwardedAnswer implements StreamSink {
    ForwardedItems(PendingCall call, RemoteGateways gateways) {
      super(call, gateways);
    }

    @Override
    public void onItem(Payload payload, String nodeId) {
      if (call.state() != PendingCall.State.FORWARDED) {
        return; // cancelled or past its deadline: the other gateway was told, items in flight are dropped
      }
      if (!call.useCredit()) {
        if (call.transition(PendingCall.State.FORWARDED, PendingCall.State.DONE)) {
          Runnable cancel = call.forwardCancel.cancel();
          if (cancel != null) {
            cancel.run();
          }
          call.fail(Errors.of(ErrorCode.INTERNAL, "Gateway '" + call.forwardedTo() + "' sent more items of '" + call.function()
              + "' than the caller granted; the stream was stopped.").toBuilder().setReachedNode(true).setNodeId(nodeId).build());
        }
        return;
      }
      call.item(payload, nodeId);
    }

    @Override
    public void onEnd(long count, String nodeId) {
      if (!call.transition(PendingCall.State.FORWARDED, PendingCall.State.DONE)) {
        return;
      }
      if (count != call.items()) {
        call.fail(Errors.of(ErrorCode.INTERNAL, "The stream of '" + call.function() + "' forwarded to gateway '" + call.forwardedTo()
            + "' ended after " + call.items() + " items but its node counted " + count + ".").toBuilder().setReachedNode(true)
            .setNodeId(nodeId).build());
      } else {
        call.end(count, nodeId);
      }
    }
  }
}
