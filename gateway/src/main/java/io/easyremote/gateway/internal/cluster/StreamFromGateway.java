package io.easyremote.gateway.internal.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.easyremote.gateway.internal.core.RemoteGateways;
import io.easyremote.gateway.internal.core.StreamSink;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.ForwardedStreamPart;
import io.easyremote.protocol.wire.StreamEnd;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The requesting side of a stream forwarded to another gateway: takes its signed parts in
 * sequence (from the one NATS dispatcher thread of the inbox) and relays them to the caller's
 * sink, and sends the caller's credits there as running totals. A part out of sequence ends the
 * stream: one before the expected is a repeat (ignored and counted by the forwarder), one after it
 * means parts were lost on the way.
 */
final class StreamFromGateway implements RemoteGateways.ForwardedStream {
  private final String target;
  private final String function;
  private final StreamSink sink;
  /** Completes (with no bytes) once the sink has its end, or exceptionally when no answer comes. */
  final CompletableFuture<byte[]> done = new CompletableFuture<>();
  private final LongConsumer sendCredits;
  private final Runnable cancel;
  private final AtomicLong creditsSent;
  /** The next part's sequence number; only the inbox's dispatcher thread touches it. */
  private long expected;

  StreamFromGateway(String target, String function, StreamSink sink, long initialCredits, LongConsumer sendCredits, Runnable cancel) {
    this.target = target;
    this.function = function;
    this.sink = sink;
    this.creditsSent = new AtomicLong(initialCredits);
    this.sendCredits = sendCredits;
    this.cancel = cancel;
  }

  /** One verified part, in the order NATS delivered it; false when it was a repeat of an earlier one (ignored). */
  boolean onPart(byte[] bytes) {
    if (done.isDone()) {
      return true; // stopped here already (a gap, or garbage): what still comes is dropped
    }
    ForwardedStreamPart part;
    try {
      part = ForwardedStreamPart.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      fail(ErrorCode.INTERNAL, "Gateway '" + target + "' sent a malformed part of the stream of '" + function + "'.");
      return true;
    }
    if (part.getSeq() < expected) {
      return false;
    }
    if (part.getSeq() > expected) {
      fail(ErrorCode.NODE_LOST, "Parts " + expected + " to " + (part.getSeq() - 1) + " of the stream of '" + function
          + "' from gateway '" + target + "' were lost on the way; the stream was stopped.");
      cancel.run();
      return true;
    }
    expected++;
    String nodeId = part.getNodeId();
    switch (part.getKindCase()) {
      case ITEM -> sink.onItem(part.getItem(), nodeId);
      case END -> {
        StreamEnd end = part.getEnd();
        if (end.hasError()) {
          sink.onError(end.getError());
        } else {
          sink.onEnd(end.getCount(), nodeId);
        }
        done.complete(null);
      }
      case REPLY -> {
        if (part.getReply().hasPayload()) {
          sink.onResult(part.getReply().getPayload(), part.getReply().getNodeId());
        } else {
          sink.onError(part.getReply().getError());
        }
        done.complete(null);
      }
      default -> fail(ErrorCode.INTERNAL, "Gateway '" + target + "' sent an empty part of the stream of '" + function + "'.");
    }
    return true;
  }

  private void fail(ErrorCode code, String message) {
    if (!done.isDone()) {
      sink.onError(Wire.error(code, message).toBuilder().setReachedNode(true).build());
      done.complete(null);
    }
  }

  /** The credits sent there so far (the initial ones until the caller grants more). */
  long creditsSent() {
    return creditsSent.get();
  }

  @Override
  public void credits(long total) {
    long before = creditsSent.getAndAccumulate(total, Math::max);
    if (total > before && !done.isDone()) {
      sendCredits.accept(total);
    }
  }

  @Override
  public void cancel() {
    if (!done.isDone()) {
      cancel.run();
    }
  }
}
