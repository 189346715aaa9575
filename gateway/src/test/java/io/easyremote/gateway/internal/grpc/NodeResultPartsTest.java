package io.easyremote.gateway.internal.grpc;

import static io.easyremote.gateway.internal.grpc.RawCallChannel.PART;
import static io.easyremote.gateway.internal.grpc.RawCallChannel.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.PayloadPart;
import io.easyremote.protocol.wire.Result;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node's result in parts that the node cuts short with a whole {@code Result} for the same call
 * is forgotten once the call is answered (docs/wire-protocol.md, node link rule 12: the gateway
 * keeps payloads in parts "for calls in flight only"). Observed in the JVM's class histogram: the
 * live {@code PartAssembler.Assembly} objects.
 */
class NodeResultPartsTest {
  private static final String ASSEMBLY = "io.easyremote.protocol.internal.PartAssembler$Assembly";
  /** Each cut-short result announces 1 MiB and sends all of it but its last part. */
  private static final int ANNOUNCED = 8 * PART;
  private static final int CALLS = 8;

  @RegisterExtension
  final LoopbackGateway loopback = new LoopbackGateway();

  @Test
  void resultInParts_cutShortByAWholeResult_isForgottenOnceTheCallIsAnswered() throws Exception {
    RawNode node = new RawNode(loopback.gateway(), "raw", 1, true, "f");
    RawCallChannel caller = new RawCallChannel(loopback.gateway());
    long before = liveInstances(ASSEMBLY);

    for (long id = 1; id <= CALLS; id++) {
      caller.out.onNext(call(id, "f", 30_000));
      long callId = node.nextInvoke().getCallId();
      node.out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(callId).setPayloadSize(ANNOUNCED)
          .setPayload(Payload.newBuilder().setEncoding(Encoding.BINARY).setData(ByteString.copyFrom(new byte[PART])))).build());
      for (int sent = PART; sent < ANNOUNCED - PART; sent += PART) {
        node.out.onNext(NodeFrame.newBuilder().setPart(PayloadPart.newBuilder().setCallId(callId)
            .setData(ByteString.copyFrom(new byte[PART]))).build());
      }
      node.out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(callId)
          .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8("\"ok\"")))).build());
      assertThat(caller.awaitAnswer(id)).as("call %d answered by the whole result", id).isNull();
    }
    assertThat(loopback.gateway().inFlightCalls()).isZero();

    await("the cut-short results forgotten").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
        .until(() -> liveInstances(ASSEMBLY) <= before);
  }

  /** Live instances of {@code className} (after a full GC), from the JVM's class histogram. */
  private static long liveInstances(String className) throws Exception {
    String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    for (String line : histogram.split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length >= 4 && cols[3].equals(className)) {
        return Long.parseLong(cols[1]);
      }
    }
    return 0;
  }
}
