package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.internal.stream.StreamWindow;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.TypeRef;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FakeGatewayExtension.class)
class ClientStreamTest {
  private static final List<Integer> TEN_THOUSAND = IntStream.range(0, 10_000).boxed().collect(Collectors.toList());

  private FakeGateway gateway;
  private Client client;

  /** Records what a Flow subscriber sees, requesting {@code batch} items at a time (0 = never by itself). */
  static final class Recorder implements Flow.Subscriber<Integer> {
    final List<Integer> items = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final int batch;
    volatile Flow.Subscription subscription;

    Recorder(int batch) {
      this.batch = batch;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (batch > 0) {
        s.request(batch);
      }
    }

    @Override
    public void onNext(Integer item) {
      items.add(item);
      if (batch > 0 && items.size() % batch == 0) {
        subscription.request(batch);
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }

  @Test
  void stream_tenThousandItems_arriveInOrderThroughResultStream() {
    gateway.onStream = FakeGateway.numbers();
    try (ResultStream<Integer> items = client.stream("numbers", Integer.class, 10_000)) {
      List<Integer> seen = new ArrayList<>();
      items.forEach(seen::add);
      assertThat(seen).isEqualTo(TEN_THOUSAND);
      assertThat(items.count()).isEqualTo(10_000);
      assertThat(items.nodeId()).isEqualTo("node-1");
    }
    assertThat(gateway.streamRequests).singleElement().satisfies(r -> {
      assertThat(r.getFunction()).isEqualTo("numbers");
      assertThat(r.getStreamCredits()).isEqualTo(64);
      assertThat(r.getPayload().getData().toStringUtf8()).isEqualTo("[10000]");
    });
    // Opened with 64 credits; the first item sizes the window at its 1,024 items (961 more), then
    // at least half a window at a time.
    assertThat(gateway.credits.get(0)).isEqualTo(Client.DEFAULT_STREAM_WINDOW - 63);
    assertThat(gateway.credits).as("half a window or more at a time").allSatisfy(c -> assertThat(c).isBetween(512, 1024));
    assertThat(gateway.credits.stream().mapToInt(Integer::intValue).sum() + 64)
        .as("the window and the credits granted cover every item, and run at most a window ahead")
        .isBetween(10_000, 10_000 + Client.DEFAULT_STREAM_WINDOW);
    assertThat(gateway.streamsCancelled.get()).isZero();
  }

  @Test
  void stream_asJavaStream_inOrder_andClosingItClosesTheResultStream() {
    gateway.onStream = FakeGateway.numbers();
    try (Stream<Integer> items = client.stream("numbers", Integer.class, 10_000).stream()) {
      assertThat(items.collect(Collectors.toList())).isEqualTo(TEN_THOUSAND);
    }
    gateway.onStream = FakeGateway.countTo(1_000_000);
    try (Stream<Integer> items = client.stream("count", Integer.class).stream()) {
      assertThat(items.limit(5).collect(Collectors.toList())).containsExactly(0, 1, 2, 3, 4);
    }
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.streamsCancelled.get() == 1);
  }

  @Test
  void stream_throughFlowSubscriber_inOrder() throws Exception {
    gateway.onStream = FakeGateway.numbers();
    Recorder recorder = new Recorder(7);
    client.stream("numbers", Integer.class, 10_000).publisher().subscribe(recorder);
    recorder.done.get(10, TimeUnit.SECONDS);
    assertThat(recorder.items).isEqualTo(TEN_THOUSAND);
  }

  @Test
  void publisher_honoursDemand_andTheProducerFollowsIt() throws Exception {
    gateway.onStream = FakeGateway.countTo(1_000);
    try (Client small = Client.builder().gateway(gateway.address()).streamWindow(10).build()) {
      Recorder recorder = new Recorder(0);
      small.stream("count", Integer.class).publisher().subscribe(recorder);
      recorder.subscription.request(3);
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> recorder.items.size() == 3);
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.produced.get() == 10);
      Awaitility.await("nothing more arrives without demand").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
          .until(() -> recorder.items.size() == 3 && gateway.produced.get() == 10);
      assertThat(recorder.items).containsExactly(0, 1, 2);
      assertThat(gateway.credits).isEmpty();
      recorder.subscription.request(Long.MAX_VALUE);
      recorder.done.get(5, TimeUnit.SECONDS);
      assertThat(recorder.items).isEqualTo(IntStream.range(0, 1_000).boxed().collect(Collectors.toList()));
    }
  }

  @Test
  void publisher_cancel_cancelsTheCall_andBadDemandFails() throws Exception {
    gateway.onStream = FakeGateway.countTo(1_000_000);
    Recorder recorder = new Recorder(0);
    client.stream("count", Integer.class).publisher().subscribe(recorder);
    recorder.subscription.request(5);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> recorder.items.size() == 5);
    recorder.subscription.cancel();
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.streamsCancelled.get() == 1);
    assertThat(recorder.done).isNotDone();

    Recorder bad = new Recorder(0);
    client.stream("count", Integer.class).publisher().subscribe(bad);
    bad.subscription.request(0);
    assertThatThrownBy(() -> bad.done.get(2, TimeUnit.SECONDS)).cause()
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.streamsCancelled.get() == 2);
  }

  @Test
  void credits_arriveAsItemsAreConsumed_andTheProducerStaysWithinTheWindow() {
    gateway.onStream = FakeGateway.countTo(100);
    try (Client small = Client.builder().gateway(gateway.address()).streamWindow(10).build();
         ResultStream<Integer> items = small.stream("count", Integer.class)) {
      Iterator<Integer> it = items.iterator();
      assertThat(it.next()).isZero();
      assertThat(it.next()).isEqualTo(1);
      assertThat(it.next()).isEqualTo(2);
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.produced.get() == 10);
      assertThat(gateway.credits).isEmpty();
      it.next();
      it.next();
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.credits.equals(List.of(5)));
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.produced.get() == 15);
      for (int consumed = 5; consumed < 100; consumed++) {
        assertThat(gateway.produced.get()).isLessThanOrEqualTo(consumed + 10);
        assertThat(it.next()).isEqualTo(consumed);
      }
      assertThat(it.hasNext()).isFalse();
      assertThat(gateway.streamRequests.get(0).getStreamCredits()).isEqualTo(10);
    }
  }

  @Test
  void window_smallItems_growsToTheWholeItemWindowAfterTheFirstItem() {
    gateway.onStream = FakeGateway.countTo(5_000);
    try (Client wide = Client.builder().gateway(gateway.address()).streamWindow(1_000).build();
         ResultStream<Integer> items = wide.stream("count", Integer.class)) {
      Iterator<Integer> it = items.iterator();
      assertThat(it.next()).isZero();
      // Opened with 64 credits; the first item (1 byte) sizes the window at 1,000 items: 937 more.
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.produced.get() == 1_001);
      assertThat(gateway.streamRequests.get(0).getStreamCredits()).isEqualTo(StreamWindow.OPENING);
      assertThat(gateway.credits).containsExactly(937);
      Awaitility.await("no more without credits").during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
          .until(() -> gateway.produced.get() == 1_001);
      for (int i = 1; i < 5_000; i++) {
        assertThat(it.next()).isEqualTo(i);
      }
      assertThat(it.hasNext()).isFalse();
    }
  }

  @Test
  void window_largeItems_shrinksToTheBytes_andTheProducerStaysWithinIt() {
    String item = "x".repeat(998); // 1,000 bytes of JSON
    gateway.onStream = (request, out) -> {
      for (int i = 0; i < 300; i++) {
        out.item(item);
      }
      out.end();
    };
    try (Client small = Client.builder().gateway(gateway.address()).streamWindow(1_000).streamWindowBytes(10_000).build();
         ResultStream<String> items = small.stream("big", String.class)) {
      Iterator<String> it = items.iterator();
      for (int consumed = 0; consumed < 300; consumed++) {
        if (consumed >= StreamWindow.OPENING) { // past the opening credits, sent before any size was known
          assertThat(gateway.produced.get()).as("produced with %d consumed", consumed).isLessThanOrEqualTo(consumed + 10);
        }
        assertThat(it.next()).isEqualTo(item);
      }
      assertThat(it.hasNext()).isFalse();
      assertThat(gateway.credits).isNotEmpty().allSatisfy(c -> assertThat(c).isBetween(5, 10));
    }
  }

  @Test
  void close_afterFiveItems_cancelsTheServerSide_andIterationEnds() throws Exception {
    gateway.onStream = FakeGateway.countTo(1_000_000);
    ResultStream<Integer> items = client.stream("count", Integer.class);
    Iterator<Integer> it = items.iterator();
    for (int i = 0; i < 5; i++) {
      assertThat(it.next()).isEqualTo(i);
    }
    items.close();
    Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> gateway.streamsCancelled.get() == 1);
    assertThat(it.hasNext()).isFalse();
    assertThat(items.count()).isEqualTo(5);
    items.close();
    long producedAtStop = gateway.produced.get();
    assertThat(producedAtStop).isLessThanOrEqualTo(5 + Client.DEFAULT_STREAM_WINDOW);
    Awaitility.await("nothing produced after the cancel").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> gateway.produced.get() == producedAtStop);
  }

  @Test
  void errorEnd_afterThreeItems_deliversThemThenTheRemoteException() {
    gateway.onStream = FakeGateway.itemsThenError(3, Error.newBuilder().setCode(Wire.toWire(ErrorCode.FUNCTION_FAILED))
        .setMessage("broken after 3").setRemoteType("java.lang.IllegalStateException").setReachedNode(true).build());
    Iterator<Integer> it = client.stream("breaksAfter", Integer.class, 3).iterator();
    assertThat(it.next()).isEqualTo(1);
    assertThat(it.next()).isEqualTo(2);
    assertThat(it.next()).isEqualTo(3);
    assertThatThrownBy(it::hasNext).isInstanceOfSatisfying(RemoteFunctionException.class, e -> {
      assertThat(e.getMessage()).isEqualTo("broken after 3");
      assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
      assertThat(e.nodeId()).as("from the items").isEqualTo("node-1");
    });
    assertThatThrownBy(it::next).as("the failure sticks").isInstanceOf(RemoteFunctionException.class);

    gateway.onStream = FakeGateway.itemsThenError(2, Error.newBuilder().setCode(Wire.toWire(ErrorCode.NODE_LOST))
        .setMessage("Node 'n2' was lost.").setReachedNode(true).setNodeId("n2").build());
    try (ResultStream<Integer> items = client.stream("count", Integer.class)) {
      List<Integer> seen = new ArrayList<>();
      assertThatThrownBy(() -> items.forEach(seen::add)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.NODE_LOST);
        assertThat(e.nodeId()).isEqualTo("n2");
      });
      assertThat(seen).containsExactly(1, 2);
    }
  }

  @Test
  void missingEnd_failsNamingTheCount() {
    gateway.onStream = FakeGateway.itemsThenNoEnd(17);
    try (ResultStream<Integer> items = client.stream("count", Integer.class)) {
      List<Integer> seen = new ArrayList<>();
      assertThatThrownBy(() -> items.forEach(seen::add)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).contains("'count'").contains("broke after 17 items").contains("without an end");
      });
      assertThat(seen).hasSize(17);
    }
  }

  @Test
  void transportFailure_midStream_failsWithTheMappedCodeAndTheCount() {
    gateway.onStream = FakeGateway.itemsThenStatus(2, Status.UNAVAILABLE.withDescription("connection reset"));
    try (ResultStream<Integer> items = client.stream("count", Integer.class)) {
      List<Integer> seen = new ArrayList<>();
      assertThatThrownBy(() -> items.forEach(seen::add)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(e.getMessage()).startsWith("The stream of 'count' broke after 2 items: ").contains("connection reset");
        assertThat(e.reachedNode()).isTrue();
      });
      assertThat(seen).containsExactly(1, 2);
    }
  }

  @Test
  void endCountMismatch_isNotMistakenForCompletion() {
    gateway.onStream = (request, out) -> {
      out.item(1);
      out.end(3);
    };
    Iterator<Integer> it = client.stream("count", Integer.class).iterator();
    assertThat(it.next()).isEqualTo(1);
    assertThatThrownBy(it::hasNext).isInstanceOfSatisfying(RemoteException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
      assertThat(e.getMessage()).contains("sent 3 items, but 1 arrived");
    });
  }

  @Test
  void gatewayIgnoringCredits_breaksTheStreamInsteadOfBufferingWithoutBound() {
    gateway.onStream = (request, out) -> {
      for (int i = 0; i < 50; i++) {
        out.send(i);
      }
      out.end();
    };
    try (Client small = Client.builder().gateway(gateway.address()).streamWindow(10).build();
         ResultStream<Integer> items = small.stream("count", Integer.class)) {
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.produced.get() == 50);
      List<Integer> seen = new ArrayList<>();
      assertThatThrownBy(() -> items.forEach(seen::add)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).contains("sent item 11 of the stream of 'count' with only 10 granted");
      });
      assertThat(seen).as("the items within the window are delivered first").hasSize(10);
    }
  }

  @Test
  void deadline_coversTheWholeStream() {
    gateway.onStream = FakeGateway.itemsThenHang(4);
    long start = System.nanoTime();
    try (ResultStream<Integer> items = client.withDeadline(Duration.ofMillis(400)).stream("slow", Integer.class)) {
      List<Integer> seen = new ArrayList<>();
      assertThatThrownBy(() -> items.forEach(seen::add)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
        assertThat(e.getMessage()).contains("broke after 4 items").contains("400 ms");
      });
      assertThat(seen).containsExactly(1, 2, 3, 4);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(350), Duration.ofMillis(2_000));
    assertThat(gateway.deadlinesMillis.get(0)).isBetween(1L, 400L);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.streamsCancelled.get() == 1);
  }

  @Test
  void interruptWhileWaiting_cancelsTheStreamAndKeepsTheFlag() {
    gateway.onStream = FakeGateway.itemsThenHang(1);
    Thread reader = Thread.currentThread();
    try (ResultStream<Integer> items = client.stream("slow", Integer.class)) {
      Iterator<Integer> it = items.iterator();
      assertThat(it.next()).isEqualTo(1);
      new Thread(() -> {
        // Interrupt only once the reader waits inside hasNext().
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
            .until(() -> reader.getState() == Thread.State.WAITING || reader.getState() == Thread.State.TIMED_WAITING);
        reader.interrupt();
      }).start();
      assertThatThrownBy(it::hasNext).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
        assertThat(e.getMessage()).contains("Interrupted").contains("'slow'").contains("after 1 item");
      });
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(it.hasNext()).as("iteration ends after the cancel").isFalse();
    } finally {
      Thread.interrupted();
    }
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.streamsCancelled.get() == 1);
  }

  @Test
  void unreadableItem_failsTheStreamAndCancelsIt() {
    gateway.onStream = (request, out) -> {
      out.item("not a number");
      out.item("never delivered");
      out.awaitCancel();
    };
    Iterator<Integer> it = client.stream("words", Integer.class).iterator();
    assertThatThrownBy(it::next).isInstanceOfSatisfying(RemoteException.class, e ->
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    assertThatThrownBy(it::hasNext).isInstanceOf(RemoteException.class);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.streamsCancelled.get() == 1);
  }

  @Test
  void genericItems_andPinnedNode_andNullItems() {
    gateway.onStream = (request, out) -> {
      out.item(List.of(1, 2));
      out.item(null);
      out.end();
    };
    try (ResultStream<List<Integer>> items = client.streamNode("node-7", "pairs", new TypeRef<List<Integer>>() {})) {
      Iterator<List<Integer>> it = items.iterator();
      assertThat(it.next()).containsExactly(1, 2);
      assertThat(it.next()).isNull();
      assertThat(it.hasNext()).isFalse();
    }
    assertThat(gateway.streamRequests.get(0).getNodeId()).isEqualTo("node-7");
    assertThat(client.stats().calls()).isEqualTo(1);
  }

  @Test
  void aResultStream_isReadOnce() throws Exception {
    gateway.onStream = FakeGateway.countTo(3);
    try (ResultStream<Integer> items = client.stream("count", Integer.class)) {
      items.iterator();
      assertThatThrownBy(items::iterator).isInstanceOf(IllegalStateException.class).hasMessageContaining("read once");
      assertThatThrownBy(items::stream).isInstanceOf(IllegalStateException.class);
      Recorder late = new Recorder(1);
      items.publisher().subscribe(late);
      assertThatThrownBy(() -> late.done.get(2, TimeUnit.SECONDS)).cause().isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void badInput_failsAtOnce_andAClosedClientFailsWhileReading() {
    assertThatThrownBy(() -> client.stream("bad name", Integer.class))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    assertThat(gateway.streamRequests).isEmpty();
    client.close();
    ResultStream<Integer> items = client.stream("count", Integer.class);
    assertThatThrownBy(() -> items.iterator().hasNext())
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
          assertThat(e.getMessage()).contains("closed");
        });
  }

  @Test
  void closingTheClient_failsAnOpenStream() {
    gateway.onStream = FakeGateway.itemsThenHang(1);
    Iterator<Integer> it = client.stream("slow", Integer.class).iterator();
    assertThat(it.next()).isEqualTo(1);
    client.close();
    assertThatThrownBy(it::hasNext).isInstanceOfSatisfying(RemoteException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
      assertThat(e.getMessage()).contains("broke after 1 item:").contains("closed");
    });
  }
}
