package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.Credit;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Relays a streaming call's items from its node to its caller under credit flow control: the
 * caller's credits travel to the node, an item beyond them (or larger than the payload limit)
 * stops the stream, and the end frame's count must match the items relayed.
 */
final class StreamRelay {
  private final ReentrantLock lock;
  private final Dispatcher dispatcher;
  private final int maxPayloadBytes;

  StreamRelay(ReentrantLock lock, Dispatcher dispatcher, int maxPayloadBytes) {
    this.lock = lock;
    this.dispatcher = dispatcher;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** A streaming call's next item. Items beyond the caller's credits, or for unknown calls, are refused. */
  void onItem(NodeSession node, StreamItem item) {
    PendingCall call = node.running(item.getCallId());
    if (call == null) {
      dispatcher.ignored();
      return;
    }
    Error violation = null;
    lock.lock();
    try {
      if (!call.runsOn(node) || !call.request.stream()) {
        return; // abandoned or moved on: the node was told to cancel
      }
      int size = item.getPayload().getData().size();
      if (size > maxPayloadBytes) {
        violation = Errors.of(ErrorCode.PAYLOAD_TOO_LARGE, "An item of '" + call.function() + "' is " + Errors.bytes(size)
            + "; the gateway accepts at most " + Errors.bytes(maxPayloadBytes) + ".");
      } else if (!call.useCredit()) {
        violation = Errors.of(ErrorCode.INTERNAL, "Node '" + node.nodeId + "' sent more items of '" + call.function()
            + "' than the caller granted; the stream was stopped.");
      }
    } finally {
      lock.unlock();
    }
    if (violation != null) {
      Error error = dispatcher.abandon(call, ErrorCode.INTERNAL, violation.getMessage());
      dispatcher.flush();
      if (error != null) {
        call.fail(violation.toBuilder().setReachedNode(true).setNodeId(node.nodeId).build());
      }
      return;
    }
    call.item(item.getPayload(), node.nodeId);
  }

  /**
   * A streaming call ended on its node, normally or with an error. A stream end for a plain call is
   * refused: the node owes that call a {@code Result}, so the call fails with {@code INTERNAL} and
   * the node's slot comes back (counted as the node's failure).
   */
  void onEnd(NodeSession node, StreamEnd end) {
    PendingCall running = node.running(end.getCallId());
    if (running != null && !running.request.stream()) {
      endOfPlainCall(node, running);
      return;
    }
    PendingCall call = dispatcher.finish(node, end.getCallId(), end.hasError() ? end.getError() : null);
    dispatcher.flush();
    if (call == null) {
      return;
    }
    if (end.hasError()) {
      call.fail(end.getError().toBuilder().setNodeId(node.nodeId).setReachedNode(true).build());
    } else if (end.getCount() != call.items()) {
      call.fail(Errors.of(ErrorCode.INTERNAL, "The stream of '" + call.function() + "' from node '" + node.nodeId + "' ended after "
          + call.items() + " items but the node counted " + end.getCount() + ".").toBuilder().setNodeId(node.nodeId)
          .setReachedNode(true).build());
    } else {
      call.end(end.getCount(), node.nodeId);
    }
  }

  private void endOfPlainCall(NodeSession node, PendingCall running) {
    Error error = Errors.of(ErrorCode.INTERNAL, "Node '" + node.nodeId + "' sent a stream end for a call to '" + running.function()
        + "', a plain function that answers with a Result.").toBuilder().setNodeId(node.nodeId).setReachedNode(true).build();
    PendingCall call = dispatcher.finish(node, running.id, error);
    dispatcher.flush();
    if (call != null) {
      call.fail(error);
    }
  }

  /**
   * The caller of a stream is ready for {@code n} more items: forwarded to its node (or to the
   * gateway its stream was forwarded to), or kept for dispatch.
   */
  void credit(PendingCall call, int n) {
    if (n <= 0) {
      return;
    }
    RemoteGateways.ForwardedStream forwarded = null;
    long total = 0;
    lock.lock();
    try {
      PendingCall.State state = call.state();
      if (state == PendingCall.State.QUEUED) {
        call.addCredits(n);
      } else if (state == PendingCall.State.DISPATCHED) {
        call.addCredits(n);
        dispatcher.enqueue(call.node(), GatewayFrame.newBuilder().setCredit(Credit.newBuilder().setCallId(call.id).setN(n)).build());
      } else if (state == PendingCall.State.FORWARDED) {
        call.addCredits(n); // kept for the forward when it is not sent yet
        forwarded = call.forwardedStream();
        total = call.granted();
      }
    } finally {
      lock.unlock();
    }
    dispatcher.flush();
    if (forwarded != null) {
      forwarded.credits(total);
    }
  }
}
