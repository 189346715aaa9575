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
   * The gateway to forward {@code request} to because every local node offering its function is
   * busy: one whose nodes report free capacity for it at their last heartbeat; null when none does
   * (the call then waits here), or for a call pinned to a node or forwarded here already. Called
   * under the routing lock: quick, no I/O.
   */
  default String chooseFree(CallRequestSpec request) {
    return null;
  }

  /**
   * The gateway to forward {@code request} to, when no node is up for its function anywhere and no
   * local node is awaited for it, because that gateway lists a suspect node for it (silent for a
   * moment, or lost a moment ago and awaited back): the call waits there as that gateway's own
   * calls do. Null when there is none (a draining node is not waited for: it is leaving), or for a
   * call pinned to a node or forwarded here already. Called under the routing lock: quick, no I/O.
   */
  default String chooseAwaited(CallRequestSpec request) {
    return null;
  }

  /**
   * Why no gateway can take {@code request}, which {@link #choose} found none for, when the cluster
   * knows its function: a gateway offers it but had no subscriber on NATS a moment ago, its nodes
   * for it are not ready, none meets the call's requirements, or a gateway offered it and vanished
   * without saying goodbye (it stopped heartbeating, or restarted) a moment ago. The call fails with
   * that error (UNAVAILABLE, retry; NO_NODE_AVAILABLE for requirements) instead of
   * FUNCTION_NOT_FOUND. Null when no gateway offers it or did lately. Called under the routing lock:
   * quick, no I/O.
   */
  default io.easyremote.protocol.wire.Error unserved(CallRequestSpec request) {
    return null;
  }

  /**
   * Sends the call to {@code gatewayId} and completes {@code reply} exactly once, from any thread,
   * at the latest shortly after the call's deadline. Never called under the routing lock. Returns
   * what cancels the call there (the caller went away); never null.
   */
  Runnable forward(String gatewayId, CallRequestSpec request, CallSink reply);

  /**
   * Takes back a call that {@link #forward} sent (its handle: what it returned) while it is still
   * held here, never published (this gateway was cut off from NATS when it was forwarded): true
   * then, and it is never sent, so it never ran; false when it left, or may have. Its reply may
   * still hear of it (an error, ignored by a call already done). Called under the routing lock:
   * quick, no I/O.
   */
  default boolean withdraw(Runnable forward) {
    return false;
  }

  /**
   * Sends a streaming call to {@code gatewayId}, whose caller granted {@code creditsTotal} items so
   * far: items arrive on {@code reply} in order, from one thread at a time, never more than the
   * credits granted; then exactly one of its ending methods (an {@link Unanswered} reply hears a
   * stream that never reached the other gateway, or was lost there, through
   * {@link Unanswered#unanswered}). Never called under the routing lock.
   */
  default ForwardedStream forwardStream(String gatewayId, CallRequestSpec request, long creditsTotal, StreamSink reply) {
    reply.onError(Errors.of(io.easyremote.protocol.ErrorCode.UNAVAILABLE, "Streams cannot be forwarded to gateway '" + gatewayId + "'."));
    return ForwardedStream.NONE;
  }

  /** A stream forwarded to another gateway, as its caller steers it. Safe from any thread. */
  interface ForwardedStream {
    /** A handle that does nothing. */
    ForwardedStream NONE = new ForwardedStream() {
      @Override
      public void credits(long total) { }

      @Override
      public void cancel() { }
    };

    /** The caller has now granted {@code total} items in all (a total: sending one twice grants nothing more). */
    void credits(long total);

    /** The caller went away: the other gateway cancels the stream on its node. */
    void cancel();
  }

  /**
   * Drains {@code nodeId} on the gateway that holds it, for an operator whose {@code grant} this
   * gateway already allowed to administer (that gateway checks the same key against its own
   * configuration). Completes with the node's calls in flight, -1 when no gateway holds it, or
   * exceptionally with a {@link RemoteFailure} (refused there, or no answer in time).
   */
  default java.util.concurrent.CompletableFuture<Integer> drain(String nodeId, int graceMs, CallGrant grant) {
    return java.util.concurrent.CompletableFuture.completedFuture(-1);
  }

  /** Another gateway refused an operation, or did not answer: {@link #error()} says which. */
  final class RemoteFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient io.easyremote.protocol.wire.Error error;

    public RemoteFailure(io.easyremote.protocol.wire.Error error) {
      super(error.getMessage(), null, false, false);
      this.error = error;
    }

    /** The error, with its code. */
    public io.easyremote.protocol.wire.Error error() {
      return error;
    }
  }

  /**
   * Whether {@code function}, offered by other gateways' nodes, is declared idempotent there (as
   * the directory says, or said when a call was last forwarded): a forward lost with its gateway may
   * then be sent again.
   */
  default boolean mayRunTwice(String function) {
    return false;
  }

  /**
   * The gateway that keeps {@code request}'s idempotency key (its home, by rendezvous hashing of
   * the key over the live gateways), when that is another gateway: the call goes there first, so a
   * retry through any gateway meets the first outcome. Null: keep it here (no key, this gateway is
   * the home, or the call was forwarded here already). Quick, no I/O.
   */
  default String keyHome(CallRequestSpec request) {
    return null;
  }

  /**
   * A {@link #forward} reply that also hears when no answer came back from the other gateway
   * (rather than an answer that is an error): the forwarder tells it through {@link #unanswered}
   * instead of {@link #onError}, so the call may be routed again.
   */
  interface Unanswered extends CallSink {
    /**
     * No answer came: the call never reached the other gateway ({@code mayHaveRun} false: no
     * responder there), or that gateway (or this one's NATS connection) was lost while the call
     * may have been running. {@code error} is what the caller gets if it is not routed again.
     */
    void unanswered(io.easyremote.protocol.wire.Error error, boolean mayHaveRun);
  }
}
