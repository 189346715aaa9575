package io.easyremote.gateway.internal.grpc;

import static io.easyremote.gateway.internal.grpc.RawCallChannel.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.gateway.Gateway;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import io.easyremote.protocol.wire.StreamEnd;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node that ends a plain call with a {@code StreamEnd} instead of a {@code Result}: the caller is
 * answered at once ({@code INTERNAL}, naming the mistake), and the node's link and slot keep serving.
 */
class NodeStreamEndForPlainCallTest {
  private Gateway gateway;

  @BeforeEach
  void start() {
    gateway = Gateway.builder().host("127.0.0.1").port(0).warmup(Duration.ZERO).registrationGrace(Duration.ZERO).build().start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void streamEnd_forAPlainCall_answersTheCallerInternalAndTheLinkKeepsServing() throws Exception {
    RawNode node = new RawNode(gateway, "raw", 1, false, "plain");
    RawCallChannel caller = new RawCallChannel(gateway);

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
