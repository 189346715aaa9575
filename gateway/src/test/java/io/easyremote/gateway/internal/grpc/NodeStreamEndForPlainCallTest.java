package io.easyremote.gateway.internal.grpc;

import static io.easyremote.gateway.internal.grpc.RawCallChannel.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import io.easyremote.protocol.wire.StreamEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node that ends a plain call with a {@code StreamEnd} instead of a {@code Result}: the caller is
 * answered at once ({@code INTERNAL}, naming the mistake), and the node's link and slot keep serving.
 */
class NodeStreamEndForPlainCallTest {
  @RegisterExtension
  final LoopbackGateway loopback = new LoopbackGateway();

  @Test
  void streamEnd_forAPlainCall_answersTheCallerInternalAndTheLinkKeepsServing() throws Exception {
    RawNode node = new RawNode(loopback.gateway(), "raw", 1, false, "plain");
    RawCallChannel caller = new RawCallChannel(loopback.gateway());

    caller.out.onNext(call(7, "plain", 30_000));
    long first = node.nextInvoke().getCallId();
    node.out.onNext(NodeFrame.newBuilder().setStreamEnd(StreamEnd.newBuilder().setCallId(first).setCount(0)).build());

    assertThat(caller.awaitAnswer(7)).as("answered long before its 30 s deadline").isEqualTo(ErrorCode.INTERNAL);
    assertThat(caller.answers.get(7L).getReply().getError().getMessage()).contains("sent a stream end for a call to 'plain'");

    // The same link, and its one slot, serve the next call.
    caller.out.onNext(call(8, "plain", 30_000));
    long second = node.nextInvoke().getCallId();
    node.out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(second)
        .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8("\"ok\"")))).build());
    assertThat(caller.awaitAnswer(8)).isNull();
    assertThat(caller.answers.get(8L).getReply().getPayload().getData().toStringUtf8()).isEqualTo("\"ok\"");
    assertThat(node.ended).as("the node link is still open").isNotDone();
  }
}
