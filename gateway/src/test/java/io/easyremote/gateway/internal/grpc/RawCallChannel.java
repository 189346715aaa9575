package io.easyremote.gateway.internal.grpc;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.easyremote.gateway.Gateway;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ChannelAnswer;
import io.easyremote.protocol.wire.ChannelCall;
import io.easyremote.protocol.wire.ChannelReply;
import io.easyremote.protocol.wire.ChannelRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.PayloadPart;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A caller's {@code CallChannel} driven by hand, frame by frame, so a test can send what the Java
 * client never would. Answers are kept by call id.
 */
final class RawCallChannel extends RawStream<ChannelReply> {
  /** The size of one part of a payload in parts, as the wire protocol cuts them. */
  static final int PART = 128 * 1024;

  final Map<Long, ChannelAnswer> answers = new ConcurrentHashMap<>();
  final StreamObserver<ChannelRequest> out;

  RawCallChannel(Gateway gateway) {
    out = stub(gateway, GatewayGrpc.GatewayStub.class).callChannel(this);
  }

  /** A call with no arguments to {@code function}. */
  static ChannelRequest call(long id, String function, long deadlineMs) {
    return ChannelRequest.newBuilder().setCall(ChannelCall.newBuilder().setId(id).setDeadlineMs(deadlineMs)
        .setRequest(CallRequest.newBuilder().setFunction(function))).build();
  }

  /** The head of a call whose {@code totalSize} bytes of arguments come in parts: it carries the first {@link #PART} bytes. */
  static ChannelRequest uploadHead(long id, String function, long deadlineMs, int totalSize) {
    return ChannelRequest.newBuilder().setCall(ChannelCall.newBuilder().setId(id).setDeadlineMs(deadlineMs).setPayloadSize(totalSize)
        .setRequest(CallRequest.newBuilder().setFunction(function)
            .setPayload(Payload.newBuilder().setData(ByteString.copyFrom(new byte[PART]))))).build();
  }

  /** The next {@code size} bytes of call {@code id}'s arguments. */
  static ChannelRequest part(long id, int size) {
    return ChannelRequest.newBuilder().setPart(PayloadPart.newBuilder().setCallId(id).setData(ByteString.copyFrom(new byte[size])))
        .build();
  }

  /** Waits (at most five seconds) for the answer to call {@code id}: its error code, or null when it succeeded. */
  ErrorCode awaitAnswer(long id) {
    await("the answer to call " + id).atMost(Duration.ofSeconds(5)).until(() -> answers.containsKey(id) || ended.isDone());
    ChannelAnswer answer = answers.get(id);
    if (answer == null) {
      throw new AssertionError("The stream ended (" + ended.join() + ") without answering call " + id);
    }
    return answer.getReply().hasError() ? Wire.fromWire(answer.getReply().getError().getCode()) : null;
  }

  @Override
  public void onNext(ChannelReply reply) {
    reply.getAnswersList().forEach(a -> answers.put(a.getId(), a));
  }
}
