package io.easyremote.gateway.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.gateway.internal.core.StreamSink;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.ForwardedStreamPart;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamEnd;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The requesting side of a forwarded stream: parts taken in sequence only, credits sent as growing totals. */
class StreamFromGatewayTest {
  private final List<String> seen = new ArrayList<>();
  private final List<Long> creditsSent = new ArrayList<>();
  private final AtomicInteger cancels = new AtomicInteger();
  private final StreamFromGateway stream = new StreamFromGateway("gw-c", "numbers", new Recorder(), 16, creditsSent::add,
      cancels::incrementAndGet);

  @Test
  void partsInSequence_reachTheSink_thenTheEndCompletesIt() {
    assertThat(stream.onPart(item(0, "a"))).isTrue();
    assertThat(stream.onPart(item(1, "b"))).isTrue();
    assertThat(stream.onPart(part(2).setEnd(StreamEnd.newBuilder().setCount(2)).build().toByteArray())).isTrue();

    assertThat(seen).containsExactly("item a", "item b", "end 2");
    assertThat(stream.done).isCompleted();
  }

  @Test
  void aRepeatedPart_isIgnored_andTheStreamGoesOn() {
    stream.onPart(item(0, "a"));

    assertThat(stream.onPart(item(0, "a"))).as("a captured part sent again").isFalse();
    stream.onPart(item(1, "b"));

    assertThat(seen).containsExactly("item a", "item b");
    assertThat(stream.done).isNotDone();
  }

  @Test
  void aGapInTheParts_endsTheStreamWithNodeLost_andCancelsItThere() {
    stream.onPart(item(0, "a"));

    stream.onPart(item(3, "d"));
    stream.onPart(item(4, "e"));

    assertThat(seen).containsExactly("item a", "error NODE_LOST");
    assertThat(cancels).hasValue(1);
    assertThat(stream.done).isCompleted();
  }

  @Test
  void aPlainReply_endsTheStreamAsAResultOrAnError() {
    stream.onPart(part(0).setReply(CallReply.newBuilder().setPayload(payload("r")).setNodeId("c-node")).build().toByteArray());

    assertThat(seen).containsExactly("result r");
  }

  @Test
  void garbage_endsTheStreamWithInternal() {
    stream.onPart(new byte[] {(byte) 0xff, 0x01, 0x02});

    assertThat(seen).containsExactly("error INTERNAL");
  }

  @Test
  void credits_areSentAsGrowingTotals_only_andNotAfterTheEnd() {
    stream.credits(16); // the initial window, already sent with the call
    stream.credits(32);
    stream.credits(24); // an older total arriving late
    stream.credits(40);
    stream.onPart(part(0).setEnd(StreamEnd.newBuilder().setCount(0)).build().toByteArray());
    stream.credits(56);
    stream.cancel();

    assertThat(creditsSent).containsExactly(32L, 40L);
    assertThat(cancels).as("nothing to cancel after the end").hasValue(0);
  }

  private static ForwardedStreamPart.Builder part(long seq) {
    return ForwardedStreamPart.newBuilder().setSeq(seq).setNodeId("c-node");
  }

  private static byte[] item(long seq, String value) {
    return part(seq).setItem(payload(value)).build().toByteArray();
  }

  private static Payload payload(String value) {
    return Payload.newBuilder().setData(ByteString.copyFromUtf8(value)).build();
  }

  /** Writes down what reached the caller. */
  private final class Recorder implements StreamSink {
    @Override
    public void onItem(Payload payload, String nodeId) {
      seen.add("item " + payload.getData().toStringUtf8());
    }

    @Override
    public void onEnd(long count, String nodeId) {
      seen.add("end " + count);
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      seen.add("result " + payload.getData().toStringUtf8());
    }

    @Override
    public void onError(Error error) {
      seen.add("error " + error.getCode().name().replace("ERROR_CODE_", ""));
    }
  }
}
