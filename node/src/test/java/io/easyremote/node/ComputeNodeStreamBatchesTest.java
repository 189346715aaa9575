package io.easyremote.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import io.easyremote.protocol.wire.Welcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A streaming function's items travel to a gateway that reads batches as few messages, not one
 * each: the items a producer emits while the link's transport thread is busy go as one
 * {@code NodeFrames}. Every item still arrives, once, in order, before the stream's end.
 */
class ComputeNodeStreamBatchesTest {
  private static final int ITEMS = 20_000;

  /** The functions the fake gateway invokes. */
  public static final class Functions {
    /** {@code count} items of 64 bytes, as fast as credits allow. */
    @Remote
    public Stream<byte[]> items(int count) {
      return IntStream.range(0, count).mapToObj(i -> new byte[64]);
    }
  }

  @Test
  void fastProducer_itemsGoInFewMessages_allInOrderBeforeTheEnd() throws Exception {
    Welcome batches = Welcome.newBuilder().setSessionId("s").setHeartbeatIntervalMs(1000).setBatches(true).build();
    try (FakeNodeGateway gateway = FakeNodeGateway.start(batches);
         ComputeNode node = ComputeNode.builder().gateway(gateway.address()).id("streamer").register(new Functions()).build().start()) {
      FakeNodeGateway.Link link = gateway.nextLink(Duration.ofSeconds(5));
      int before = link.received.size();
      link.send(GatewayFrame.newBuilder().setInvoke(Invoke.newBuilder().setCallId(7).setFunction("items").setStreamCredits(ITEMS)
          .setPayload(Payload.newBuilder().setData(ByteString.copyFrom("[" + ITEMS + "]", StandardCharsets.UTF_8)))).build());
      Awaitility.await("the stream's end").atMost(Duration.ofSeconds(20))
          .until(() -> flatten(since(link, before)).stream().anyMatch(NodeFrame::hasStreamEnd));

      List<NodeFrame> messages = since(link, before);
      List<NodeFrame> frames = flatten(messages);
      List<StreamItem> items = frames.stream().filter(NodeFrame::hasStreamItem).map(NodeFrame::getStreamItem).toList();
      assertThat(items).hasSize(ITEMS);
      for (int i = 0; i < ITEMS; i++) {
        assertThat(items.get(i).getSeq()).as("item %d's seq", i).isEqualTo(i + 1);
        assertThat(items.get(i).getPayload().getData().size()).isEqualTo(64);
      }
      assertThat(frames.get(frames.size() - 1).hasStreamEnd()).as("the end comes last").isTrue();
      StreamEnd end = frames.get(frames.size() - 1).getStreamEnd();
      assertThat(end.getCount()).isEqualTo(ITEMS);
      assertThat(end.hasError()).isFalse();
      long itemMessages = messages.stream().filter(m -> m.hasBatch() || m.hasStreamItem()).count();
      // One message per item before batching; in practice a few hundred now (a pack holds up to 64 KiB).
      assertThat(itemMessages).as("messages carrying %d items", ITEMS).isLessThan(ITEMS / 4);
    }
  }

  /** What the node sent after its first {@code before} messages: a copy, since more may come. */
  private static List<NodeFrame> since(FakeNodeGateway.Link link, int before) {
    List<NodeFrame> all = List.copyOf(link.received);
    return all.subList(before, all.size());
  }

  private static List<NodeFrame> flatten(List<NodeFrame> messages) {
    List<NodeFrame> frames = new ArrayList<>();
    for (NodeFrame m : messages) {
      if (m.hasBatch()) {
        frames.addAll(m.getBatch().getFramesList());
      } else {
        frames.add(m);
      }
    }
    return frames;
  }
}
