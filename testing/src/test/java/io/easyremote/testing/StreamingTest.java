package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.Client;
import io.easyremote.client.ResultStream;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Streaming functions end to end: order, backpressure on every leg, cancellation, failures and load. */
class StreamingTest {
  private final SampleFunctions one = new SampleFunctions("one");

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .node("one", n -> n.register(one).maxConcurrency(64))
      .node("two", n -> n.register(new SampleFunctions("two")).maxConcurrency(64))
      .build();

  /** The typed view of the streaming functions. */
  public interface Streams {
    Stream<Integer> numbers(int n);

    Iterator<Integer> breaksAfter(int n);
  }

  /** A subscriber that asks for {@code first} items, adds each to {@code into}, and counts {@code done} down at the end. */
  private static class Collecting implements Flow.Subscriber<Integer> {
    private final List<Integer> into;
    private final CountDownLatch done;
    private final long first;
    Flow.Subscription subscription;

    Collecting(List<Integer> into, CountDownLatch done, long first) {
      this.into = into;
      this.done = done;
      this.first = first;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(first);
    }

    @Override
    public void onNext(Integer item) {
      into.add(item);
    }

    @Override
    public void onError(Throwable t) {
      done.countDown();
    }

    @Override
    public void onComplete() {
      done.countDown();
    }
  }

  private static final List<Integer> TEN_THOUSAND = IntStream.range(0, 10_000).boxed().collect(Collectors.toList());

  @Test
  void tenThousandItems_arriveCompleteAndInOrder_throughEveryApi() throws Exception {
    try (ResultStream<Integer> items = cluster.client().stream("numbers", Integer.class, 10_000)) {
      List<Integer> seen = new ArrayList<>();
      items.forEach(seen::add);
      assertThat(seen).isEqualTo(TEN_THOUSAND);
      assertThat(items.count()).isEqualTo(10_000);
      assertThat(items.nodeId()).isIn("one", "two");
    }
    try (Stream<Integer> items = cluster.client().stream("numbers", Integer.class, 10_000).stream()) {
      assertThat(items.collect(Collectors.toList())).isEqualTo(TEN_THOUSAND);
    }
    List<Integer> published = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    cluster.client().stream("numbers", Integer.class, 10_000).publisher().subscribe(new Collecting(published, done, 7) {
      @Override
      public void onNext(Integer item) {
        super.onNext(item);
        if (published.size() % 7 == 0) {
          subscription.request(7);
        }
      }
    });
    assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(published).isEqualTo(TEN_THOUSAND);
    try (Stream<Integer> viaProxy = cluster.client().proxy(Streams.class).numbers(100)) {
      assertThat(viaProxy.mapToInt(Integer::intValue).sum()).isEqualTo(4950);
    }
  }

  @Test
  void subscriberBlockedInOnNext_holdsNoOtherCallOfItsClient() throws Exception {
    // Replies reach the client on its connection's event loop; a push consumer's code runs elsewhere,
    // or a subscriber that blocks would stall every call and stream on the connection.
    Client client = cluster.client();
    CountDownLatch inOnNext = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> published = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    client.stream("numbers", Integer.class, 100).publisher().subscribe(new Collecting(published, done, Long.MAX_VALUE) {
      @Override
      public void onNext(Integer item) {
        super.onNext(item);
        if (item == 0) {
          inOnNext.countDown();
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    });
    assertThat(inOnNext.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      Client quick = client.withDeadline(Duration.ofSeconds(5)); // the subscriber waits 20 s: a stalled connection fails this
      assertThat(quick.call("echo", String.class, "still served")).isEqualTo("still served");
      try (ResultStream<Integer> other = quick.stream("numbers", Integer.class, 1_000)) {
        assertThat(other.stream().count()).isEqualTo(1_000);
      }
      assertThat(published).containsExactly(0);
    } finally {
      release.countDown();
    }
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(published).isEqualTo(IntStream.range(0, 100).boxed().collect(Collectors.toList()));
  }

  @Test
  void slowConsumer_throttlesTheProducer_andTheGatewayBufferStaysBounded() throws Exception {
    cluster.stopNode("two");
    int maxBuffered = 0;
    // A window of 64 KiB: about 63 of these 1 KiB items (the client sizes its window in bytes).
    try (Client client = Client.builder().gateway(cluster.address()).streamWindowBytes(64 << 10).build();
         ResultStream<String> items = client.stream("firehose", String.class)) {
      Iterator<String> it = items.iterator();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      int consumed = 0;
      while (System.nanoTime() < end) {
        assertThat(it.next()).hasSize(1024);
        consumed++;
        maxBuffered = Math.max(maxBuffered, cluster.gateway().bufferedStreamItems());
        Thread.sleep(10); // a deliberately slow consumer
      }
      int produced = one.produced();
      assertThat(produced).as("produced %d, consumed %d", produced, consumed).isLessThanOrEqualTo(consumed + 256);
      assertThat(consumed).isGreaterThan(50);
    }
    assertThat(maxBuffered).isLessThanOrEqualTo(128);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> cluster.gateway().bufferedStreamItems() == 0);
  }

  @Test
  void wideWindow_ofFourThousandItems_streamsTenThousandComplete() throws Exception {
    // A write that completes at once calls the gateway back for the next one: with thousands of
    // items waiting that once recursed until the event loop's stack overflowed.
    try (Client wide = Client.builder().gateway(cluster.address()).streamWindow(4096).build();
        ResultStream<Integer> items = wide.stream("numbers", Integer.class, 10_000)) {
      List<Integer> seen = new ArrayList<>();
      items.forEach(seen::add);
      assertThat(seen).isEqualTo(TEN_THOUSAND);
    }
  }

  @Test
  void rawCaller_grantingAMillionCreditsAndReadingNothing_leavesNoMoreThanTheBufferOnTheGateway() throws Exception {
    cluster.stopNode("two");
    io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    try {
      io.grpc.ClientCall<io.easyremote.protocol.wire.StreamRequest, io.easyremote.protocol.wire.StreamReply> call = channel.newCall(
          io.easyremote.protocol.wire.GatewayGrpc.getCallStreamMethod(), io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
      call.start(new io.grpc.ClientCall.Listener<>() { }, new io.grpc.Metadata()); // never requests a message: reads nothing
      call.sendMessage(io.easyremote.protocol.wire.StreamRequest.newBuilder().setCall(io.easyremote.protocol.wire.CallRequest.newBuilder()
          .setFunction("firehose").setStreamCredits(1_000_000)
          .setPayload(io.easyremote.protocol.wire.Payload.newBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8("[]")))).build());
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> one.produced() > 0);
      int[] maxBuffered = {0};
      // The caller's transport fills and stops taking items; the node may run at most the gateway's buffer ahead of it.
      Awaitility.await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> {
        maxBuffered[0] = Math.max(maxBuffered[0], cluster.gateway().bufferedStreamItems());
        return maxBuffered[0] <= 128;
      });
      int produced = one.produced();
      Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> one.produced() == produced);
      call.cancel("done", null);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().bufferedStreamItems() == 0);
  }

  @Test
  void rawCaller_askingForBatches_getsTheItemsThatWaitedInOneReply_andOneWithoutGetsOnePerReply() throws Exception {
    cluster.stopNode("two");
    io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(cluster.address()).usePlaintext()
        .flowControlWindow(64 << 10).build(); // a small HTTP/2 window: it fills after some 60 items of 1 KiB
    try {
      for (boolean batches : new boolean[] {true, false}) {
        java.util.concurrent.atomic.AtomicInteger replies = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger items = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger batched = new java.util.concurrent.atomic.AtomicInteger();
        io.grpc.ClientCall<io.easyremote.protocol.wire.StreamRequest, io.easyremote.protocol.wire.StreamReply> call = channel.newCall(
            io.easyremote.protocol.wire.GatewayGrpc.getCallStreamMethod(), io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
        call.start(new io.grpc.ClientCall.Listener<>() {
          @Override
          public void onMessage(io.easyremote.protocol.wire.StreamReply reply) {
            replies.incrementAndGet();
            items.addAndGet((reply.hasItem() ? 1 : 0) + reply.getMoreCount());
            if (reply.getMoreCount() > 0) {
              batched.incrementAndGet();
            }
          }
        }, new io.grpc.Metadata());
        call.sendMessage(io.easyremote.protocol.wire.StreamRequest.newBuilder().setCall(io.easyremote.protocol.wire.CallRequest.newBuilder()
            .setFunction("firehose").setStreamCredits(100_000).setStreamBatches(batches)
            .setPayload(io.easyremote.protocol.wire.Payload.newBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8("[]")))).build());
        // Read nothing until the caller's transport is full and items wait on the gateway, then read on.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.gateway().bufferedStreamItems() >= 64);
        call.request(Integer.MAX_VALUE);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> items.get() >= 300);
        call.cancel("enough", null);
        if (batches) {
          assertThat(batched.get()).as("replies carrying several items").isPositive();
          assertThat(replies.get()).isLessThan(items.get());
        } else {
          assertThat(batched.get()).as("a caller that did not ask gets one item per reply").isZero();
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void closingAfterFiveItems_stopsTheProducerWithinASecond() throws Exception {
    cluster.stopNode("two");
    try (ResultStream<Integer> items = cluster.client().stream("count", Integer.class, 1_000_000, 5)) {
      Iterator<Integer> it = items.iterator();
      for (int i = 1; i <= 5; i++) {
        assertThat(it.next()).isEqualTo(i);
      }
    }
    Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> one.streamsCancelled() == 1);
    int producedAtStop = one.produced();
    Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> one.produced() == producedAtStop);
  }

  @Test
  void exceptionAfterThreeItems_deliversThemThenFunctionFailed() {
    Iterator<Integer> items = cluster.client().proxy(Streams.class).breaksAfter(3);
    assertThat(items.next()).isEqualTo(1);
    assertThat(items.next()).isEqualTo(2);
    assertThat(items.next()).isEqualTo(3);
    assertThatThrownBy(items::hasNext).isInstanceOfSatisfying(RemoteFunctionException.class, e -> {
      assertThat(e.getMessage()).isEqualTo("broken after 3");
      assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
    });
  }

  @Test
  void nodeKilledMidStream_deliversItemsSoFarThenNodeLost() throws Exception {
    cluster.stopNode("one");
    cluster.stopNode("two");
    SampleFunctions fragile = new SampleFunctions("fragile");
    TcpProxy proxy = cluster.startNodeBehindProxy("fragile", n -> n.register(fragile));
    try (ResultStream<Integer> items = cluster.client().stream("count", Integer.class, 1_000, 20)) {
      Iterator<Integer> it = items.iterator();
      for (int i = 1; i <= 3; i++) {
        assertThat(it.next()).isEqualTo(i);
      }
      proxy.cut();
      List<Integer> rest = new ArrayList<>();
      assertThatThrownBy(() -> it.forEachRemaining(rest::add)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.NODE_LOST);
        assertThat(e.nodeId()).isEqualTo("fragile");
      });
      assertThat(3 + rest.size()).isLessThan(1000);
      for (int i = 0; i < rest.size(); i++) {
        assertThat(rest.get(i)).isEqualTo(4 + i);
      }
    }
  }

  @Test
  @Tag("soak") // 100,000 items through 100 streams: a load run (.ci/run's soak stage); the others cover streams in mvn -B verify
  void hundredConcurrentStreams_ofThousandItems_allComplete() throws Exception {
    List<CompletableFuture<List<Integer>>> streams = new ArrayList<>();
    java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(100);
    CountDownLatch allOpen = new CountDownLatch(100);
    for (int s = 0; s < 100; s++) {
      streams.add(CompletableFuture.supplyAsync(() -> {
        try (ResultStream<Integer> items = cluster.client().withDeadline(Duration.ofSeconds(50)).stream("numbers", Integer.class, 1_000)) {
          Iterator<Integer> it = items.iterator();
          List<Integer> seen = new ArrayList<>();
          seen.add(it.next());
          allOpen.countDown(); // every stream is open and running before any finishes
          allOpen.await(30, TimeUnit.SECONDS);
          it.forEachRemaining(seen::add);
          return seen;
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }, readers));
    }
    List<Integer> expected = IntStream.range(0, 1_000).boxed().collect(Collectors.toList());
    try {
      for (CompletableFuture<List<Integer>> stream : streams) {
        assertThat(stream.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
      }
    } finally {
      readers.shutdownNow();
    }
  }
}
