package io.easyremote.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.wire.Cancel;
import io.easyremote.protocol.wire.ErrorCode;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.PayloadPart;
import io.easyremote.protocol.wire.Result;
import io.easyremote.protocol.wire.Welcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A call whose arguments come in parts runs once they have all come, and never when the gateway
 * cancels it before: it is answered at once (every Invoke gets its Result), and parts that come
 * after the cancel are ignored.
 */
class ComputeNodePartsTest {
  private static final AtomicInteger RUNS = new AtomicInteger();

  /** The functions the fake gateway invokes. */
  public static final class Functions {
    @Remote
    public int length(String s) {
      RUNS.incrementAndGet();
      return s.length();
    }
  }

  @Test
  void argumentsInParts_runOnceWhole_andACancelBeforeTheLastPart_answersAtOnceWithoutRunning() throws Exception {
    RUNS.set(0);
    Welcome parts = Welcome.newBuilder().setSessionId("s").setHeartbeatIntervalMs(1000).setParts(true).build();
    try (FakeNodeGateway gateway = FakeNodeGateway.start(parts);
         ComputeNode node = ComputeNode.builder().gateway(gateway.address()).id("parts").register(new Functions()).build().start()) {
      FakeNodeGateway.Link link = gateway.nextLink(Duration.ofSeconds(5));
      byte[] json = ("[\"" + "x".repeat(10) + "\"]").getBytes(StandardCharsets.UTF_8); // 14 bytes: 4 + 6 + 4

      // Call 1: all three parts come; it runs once, on the whole arguments.
      link.send(head(1, json));
      link.send(part(1, json, 4, 10));
      link.send(part(1, json, 10, 14));
      Result whole = awaitResult(link, 1);
      assertThat(whole.hasError()).as("%s", whole.getError()).isFalse();
      assertThat(whole.getPayload().getData().toStringUtf8()).isEqualTo("10");

      // Call 2: cancelled after its first part; answered at once, and never run, even when its parts follow.
      link.send(head(2, json));
      link.send(GatewayFrame.newBuilder().setCancel(Cancel.newBuilder().setCallId(2).setReason("caller gone")).build());
      Result cancelled = awaitResult(link, 2);
      assertThat(cancelled.getError().getCode()).isEqualTo(ErrorCode.CANCELLED);
      assertThat(cancelled.getError().getMessage()).contains("before its arguments had all arrived", "did not run");
      link.send(part(2, json, 4, 10));
      link.send(part(2, json, 10, 14));
      link.send(head(3, json)); // a later call on the same link is served: the ignored parts came before it
      link.send(part(3, json, 4, 14));
      assertThat(awaitResult(link, 3).getPayload().getData().toStringUtf8()).isEqualTo("10");
      assertThat(results(link, 2)).as("call 2 is answered once").hasSize(1);
      assertThat(RUNS.get()).as("runs: calls 1 and 3 only").isEqualTo(2);
    }
  }

  private static GatewayFrame head(long id, byte[] json) {
    return GatewayFrame.newBuilder().setInvoke(Invoke.newBuilder().setCallId(id).setFunction("length").setPayloadSize(json.length)
        .setPayload(Payload.newBuilder().setData(ByteString.copyFrom(json, 0, 4)))).build();
  }

  private static GatewayFrame part(long id, byte[] json, int from, int to) {
    return GatewayFrame.newBuilder().setPart(PayloadPart.newBuilder().setCallId(id).setData(ByteString.copyFrom(json, from, to - from)))
        .build();
  }

  private static Result awaitResult(FakeNodeGateway.Link link, long id) {
    Awaitility.await("the result of call " + id).atMost(Duration.ofSeconds(5)).until(() -> !results(link, id).isEmpty());
    return results(link, id).get(0);
  }

  private static List<Result> results(FakeNodeGateway.Link link, long id) {
    return List.copyOf(link.received).stream()
        .flatMap(m -> m.hasBatch() ? m.getBatch().getFramesList().stream() : Optional.of(m).stream())
        .filter(NodeFrame::hasResult).map(NodeFrame::getResult).filter(r -> r.getCallId() == id).toList();
  }
}
