package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.Client;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ChannelAnswer;
import io.easyremote.protocol.wire.ChannelCall;
import io.easyremote.protocol.wire.ChannelReply;
import io.easyremote.protocol.wire.ChannelRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Java client's call channel ({@code Gateway.CallChannel}): many calls over one stream, each
 * with its own answer, cancel and deadline; a stream broken by a gateway restart is replaced; and
 * what a caller speaking the raw protocol could try (a reused id) is refused without harming the
 * call that holds it.
 */
class CallChannelTest {
  private static final SampleFunctions functions = new SampleFunctions("worker");

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder().node("worker", n -> n.register(functions).maxConcurrency(64)).build();

  @Test
  void manyConcurrentCalls_shareOneStream_andEachGetsItsOwnAnswer() throws Exception {
    int calls = 1_000; // the gateway queues 1,000 per function; the node runs 64 at once
    long before = channelCalls();
    try (Client client = Client.builder().gateway(cluster.address()).build()) {
      List<CompletableFuture<Integer>> sums = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        sums.add(client.callAsync("add", Integer.class, i, 1));
      }
      for (int i = 0; i < calls; i++) {
        assertThat(sums.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i + 1);
      }
      Awaitility.await("one stream open: this client's (earlier tests' clients are closed)").atMost(Duration.ofSeconds(5))
          .until(() -> metric("easyremote_call_channels") == 1);
    }
    assertThat(channelCalls() - before).isEqualTo(calls);
  }

  @Test
  void callersOnManyThreadsAtOnce_eachGetTheirOwnAnswers_allOnTheChannel() throws Exception {
    int threads = 16;
    int each = 100;
    long before = channelCalls();
    try (Client client = Client.builder().gateway(cluster.address()).build()) {
      java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(threads);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        List<java.util.concurrent.Future<List<Integer>>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int base = t * 1_000;
          results.add(pool.submit(() -> {
            List<Integer> sums = new ArrayList<>();
            for (int i = 0; i < each; i++) {
              together.await(10, TimeUnit.SECONDS); // every caller sends at the same moment, round after round
              sums.add(client.call("add", Integer.class, base + i, 1));
            }
            return sums;
          }));
        }
        for (int t = 0; t < threads; t++) {
          List<Integer> expected = new ArrayList<>();
          for (int i = 0; i < each; i++) {
            expected.add(t * 1_000 + i + 1);
          }
          assertThat(results.get(t).get(60, TimeUnit.SECONDS)).as("thread %d's answers", t).isEqualTo(expected);
        }
      } finally {
        pool.shutdownNow();
      }
    }
    assertThat(channelCalls() - before).as("every call went on the channel").isEqualTo(threads * each);
  }

  @Test
  void anAsyncCallbackThatBlocks_doesNotHoldTheOtherCallsOnItsStream() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (Client client = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(10)).build()) {
      CompletableFuture<Void> blocked = client.callAsync("sleep", String.class, 200).thenAccept(value -> {
        entered.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      try {
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the first call's callback runs").isTrue();
        assertThat(client.call("add", Integer.class, 2, 3)).isEqualTo(5);
        assertThat(client.callAsync("add", Integer.class, 4, 5).get(5, TimeUnit.SECONDS)).isEqualTo(9);
        assertThat(blocked).isNotDone();
      } finally {
        release.countDown();
      }
      blocked.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void callChannelOff_orALargeRequest_goesAsACallOfItsOwn() throws Exception {
    long before = channelCalls();
    try (Client plain = Client.builder().gateway(cluster.address()).callChannel(false).build()) {
      assertThat(plain.call("add", Integer.class, 2, 3)).isEqualTo(5);
    }
    String large = "x".repeat(100 << 10);
    try (Client client = Client.builder().gateway(cluster.address()).build()) {
      assertThat(client.call("echo", String.class, large)).isEqualTo(large);
    }
    assertThat(channelCalls()).isEqualTo(before);
  }

  @Test
  void cancellingACall_stopsItOnTheNode_andTheChannelKeepsServing() throws Exception {
    try (Client client = Client.builder().gateway(cluster.address()).build()) {
      int interrupted = functions.interrupted.get();
      CompletableFuture<String> sleeping = client.callAsync("sleep", String.class, 20_000);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> functions.running.get() == 1);
      assertThat(sleeping.cancel(true)).isTrue();
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> functions.interrupted.get() == interrupted + 1);
      assertThat(client.call("add", Integer.class, 1, 1)).isEqualTo(2);
    }
  }

  @Test
  void aCallPastItsDeadline_failsWithDeadlineExceeded_isStoppedOnTheNode_andTheNextCallWorks() {
    try (Client client = Client.builder().gateway(cluster.address()).build()) {
      int interrupted = functions.interrupted.get();
      long start = System.nanoTime();
      assertThatThrownBy(() -> client.withDeadline(Duration.ofMillis(300)).call("sleep", String.class, 20_000))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> functions.interrupted.get() == interrupted + 1);
      assertThat(client.call("add", Integer.class, 2, 2)).isEqualTo(4);
    }
  }

  @Test
  void gatewayRestart_failsTheCallInFlight_andLaterCallsOpenANewStream() throws Exception {
    SampleFunctions own = new SampleFunctions("restarted");
    try (TestCluster restarted = TestCluster.builder().gateway(g -> g.drainTimeout(Duration.ofMillis(300)))
        .node("restarted", n -> n.register(own)).build().start();
        Client client = Client.builder().gateway(restarted.address()).deadline(Duration.ofSeconds(20)).build()) {
      assertThat(client.call("add", Integer.class, 1, 2)).isEqualTo(3);
      CompletableFuture<String> inFlight = client.callAsync("sleep", String.class, 20_000);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> own.running.get() == 1);

      restarted.restartGateway();
      assertThatThrownBy(() -> inFlight.get(15, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(RemoteException.class);
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> client.call("add", Integer.class, 3, 4) == 7);
      assertThat(metric(restarted, "easyremote_call_channels")).isEqualTo(1);
    }
  }

  @Test
  void rawCaller_reusingAnIdInFlight_isRefused_andTheCallHoldingItStillAnswers() throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    try {
      Map<Long, CallReply> results = new ConcurrentHashMap<>();
      Map<Long, CallReply> errors = new ConcurrentHashMap<>();
      StreamObserver<ChannelRequest> requests = GatewayGrpc.newStub(channel).callChannel(new StreamObserver<>() {
        @Override
        public void onNext(ChannelReply reply) {
          for (ChannelAnswer answer : reply.getAnswersList()) {
            (answer.getReply().hasError() ? errors : results).put(answer.getId(), answer.getReply());
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      requests.onNext(call(7, "sleep", "[500]"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> functions.running.get() == 1);
      requests.onNext(call(7, "add", "[1,2]"));
      requests.onNext(call(8, "add", "[1,2]"));

      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> results.size() == 2 && errors.size() == 1);
      assertThat(errors.get(7L).getError().getCode()).isEqualTo(io.easyremote.protocol.wire.ErrorCode.INVALID_REQUEST);
      assertThat(errors.get(7L).getError().getMessage()).contains("already in flight");
      assertThat(results.get(7L).getPayload().getData().toStringUtf8()).isEqualTo("\"worker\"");
      assertThat(results.get(8L).getPayload().getData().toStringUtf8()).isEqualTo("3");
      requests.onCompleted();
    } finally {
      channel.shutdownNow();
    }
  }

  private static ChannelRequest call(long id, String function, String json) {
    return ChannelRequest.newBuilder().setCall(ChannelCall.newBuilder().setId(id).setDeadlineMs(10_000)
        .setRequest(CallRequest.newBuilder().setFunction(function)
            .setPayload(Payload.newBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8(json))))).build();
  }

  private static long channelCalls() throws Exception {
    return (long) metric("easyremote_call_channel_calls_total");
  }

  private static double metric(String name) throws Exception {
    return metric(cluster, name);
  }

  /** The value of {@code name} in {@code on}'s gateway's /metrics. */
  static double metric(TestCluster on, String name) throws Exception {
    String text = Http1.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + on.address() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
    assertThat(m.find()).as("%s in /metrics", name).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
