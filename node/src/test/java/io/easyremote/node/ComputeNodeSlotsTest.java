package io.easyremote.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

/**
 * A node's concurrency slots survive a broken gateway stream: calls still queued on the node's
 * executor when the link drops are answered and release their slots, so after the reconnect the
 * node takes its full concurrency again instead of answering {@code OVERLOADED} to everything.
 */
class ComputeNodeSlotsTest {
  private static final int SLOTS = 16;
  private static final int ROUNDS = 50;
  private static final Duration WAIT = Duration.ofSeconds(5);

  /** The functions the fake gateway invokes. */
  public static final class Functions {
    /** Holds its slot until interrupted. */
    @Remote
    public String block() throws InterruptedException {
      new CountDownLatch(1).await();
      return "unreachable";
    }

    @Remote
    public String echo(String s) {
      return s;
    }
  }

  @Test
  void linkBreaksWithEverySlotTaken_manyTimes_everySlotIsUsableAfterEachReconnect() throws Exception {
    try (FakeNodeGateway gateway = FakeNodeGateway.start();
         ComputeNode node = ComputeNode.builder().gateway(gateway.address()).id("slots")
             .maxConcurrency(SLOTS).reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
             .drainTimeout(Duration.ZERO).register(new Functions()).build().start()) {
      long nextId = 1;
      for (int round = 0; round < ROUNDS; round++) {
        FakeNodeGateway.Link link = gateway.nextLink(WAIT);
        int roundNo = round;
        await("round " + round + ": calls of the broken stream answered").until(() -> node.inFlight() == 0);

        // Every slot takes a call at once: none may answer OVERLOADED.
        long first = nextId;
        nextId += SLOTS;
        LongStream.range(first, nextId).forEach(id -> link.send(invoke(id, "echo", "[\"r" + roundNo + "\"]")));
        await("round " + round + ": echo results")
            .until(() -> results(link, first, SLOTS).size() == SLOTS);
        assertThat(results(link, first, SLOTS))
            .as("round %d: answers of %d concurrent calls to a node with %d free slots", round, SLOTS, SLOTS)
            .allSatisfy(r -> assertThat(r.hasError()).as("call %d: %s", r.getCallId(), r.getError()).isFalse());

        // Take every slot, then break the stream while (some of) those calls still wait in the pool.
        long blocked = nextId;
        nextId += SLOTS;
        LongStream.range(blocked, nextId).forEach(id -> link.send(invoke(id, "block", "[]")));
        link.breakStream();
      }
    }
  }

  private static ConditionFactory await(String alias) {
    return Awaitility.await(alias).atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
  }

  private static GatewayFrame invoke(long id, String function, String json) {
    return GatewayFrame.newBuilder().setInvoke(Invoke.newBuilder().setCallId(id).setFunction(function)
        .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8(json))).setDeadlineMs(10_000)).build();
  }

  private static List<Result> results(FakeNodeGateway.Link link, long first, int count) {
    return link.received.stream().filter(NodeFrame::hasResult).map(NodeFrame::getResult)
        .filter(r -> r.getCallId() >= first && r.getCallId() < first + count).collect(Collectors.toList());
  }
}
