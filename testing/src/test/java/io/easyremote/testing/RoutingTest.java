package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.Client;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Spreading calls across nodes, honouring each node's concurrency, queueing, and deadlines. */
class RoutingTest {
  /** New nodes get a share of calls that ramps up over this time (the default is 3 s). */
  private static final Duration WARMUP = Duration.ofMillis(500);
  private final SampleFunctions one = new SampleFunctions("one");
  private final SampleFunctions two = new SampleFunctions("two");

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.maxQueuedCallsPerFunction(4).warmup(WARMUP))
      .node("one", node -> node.register(one).maxConcurrency(1))
      .node("two", node -> node.register(two).maxConcurrency(4))
      .build();

  @Test
  void whoami_roundRobin_hundredCalls_takeTheNodesInTurn() {
    Client roundRobin = cluster.client().withStrategy(Strategy.ROUND_ROBIN);
    Map<String, Long> servedBy = countServers(roundRobin, 100);
    assertThat(servedBy).containsOnly(Map.entry("one", 50L), Map.entry("two", 50L));
  }

  @Test
  void whoami_defaultStrategy_hundredCalls_sharedByBothNodes() {
    // The default strategy (smart) sends each call to the node with the lower measured latency, and
    // counts nodes within 2 ms or 25% of each other as equals, at random. Equal nodes measured apart
    // by noise on a busy machine are tied again within a few calls: an idle node passed over grows
    // more optimistic (LatencyEstimator.passedOver; before it, a CI run served 100 / 0). The counted
    // calls start once both nodes are past their warm-up ramp and have served 200 calls. With both
    // cores kept busy by other processes, twelve runs served 29 to 71 calls to each node; the code
    // before passedOver served 100 / 0 in four runs of eight, and 86 / 14 in another. A stall that
    // measured one node several times slower (100 / 0 once more in CI, 2026-12-02) is undone by the
    // probes an idle node passed over gets (LatencyEstimator.probeAfter).
    Instant warm = cluster.gateway().nodes().stream().map(NodeInfo::connectedAt).max(Instant::compareTo).orElseThrow().plus(WARMUP);
    for (int i = 0; i < 200 || Instant.now().isBefore(warm); i++) {
      cluster.client().call("whoami", String.class);
    }
    Map<String, Long> servedBy = countServers(cluster.client(), 100);
    assertThat(servedBy.keySet()).as("served %s; nodes %s", servedBy, cluster.gateway().nodes()).containsExactlyInAnyOrder("one", "two");
    assertThat(servedBy.values()).as("served %s; nodes %s", servedBy, cluster.gateway().nodes())
        .allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(20));
  }

  private static Map<String, Long> countServers(Client client, int calls) {
    Map<String, Long> servedBy = new java.util.HashMap<>();
    for (int i = 0; i < calls; i++) {
      servedBy.merge(client.call("whoami", String.class), 1L, Long::sum);
    }
    return servedBy;
  }

  @Test
  void maxConcurrencyOne_fiveConcurrentCalls_queueAndNeverOverlap() throws Exception {
    cluster.stopNode("two");
    long start = System.nanoTime();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(cluster.client().callAsync("sleep", String.class, 200));
    }
    for (CompletableFuture<String> call : calls) {
      assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("one");
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(one.maxRunning.get()).isEqualTo(1);
    assertThat(elapsedMillis).as("five 200 ms calls run one after another").isGreaterThanOrEqualTo(950);
  }

  @Test
  void fullQueue_nextCall_failsFastWithOverloaded() throws Exception {
    cluster.stopNode("two");
    List<CompletableFuture<String>> accepted = new ArrayList<>();
    accepted.add(cluster.client().callAsync("await", String.class)); // runs on the only slot
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 1);
    for (int i = 0; i < 4; i++) {
      accepted.add(cluster.client().callAsync("await", String.class)); // fill the queue of 4
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().queuedCalls() == 4);

    long start = System.nanoTime();
    assertThatThrownBy(() -> cluster.client().call("await", String.class))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED);
          assertThat(e.retryAfterMillis()).isPositive();
          assertThat(e.reachedNode()).isFalse();
          assertThat(e.getMessage()).contains("'await'").contains("queue is full");
        });
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);

    one.gate.countDown();
    for (CompletableFuture<String> call : accepted) {
      assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("one");
    }
  }

  @Test
  void deadline_onLongCall_failsInTimeAndInterruptsTheNode() {
    cluster.stopNode("two");
    Client hurried = cluster.client().withDeadline(Duration.ofMillis(100));
    long start = System.nanoTime();
    assertThatThrownBy(() -> hurried.call("sleep", String.class, 2000))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(500);
    Awaitility.await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(one.interrupted.get()).isEqualTo(1));
    assertThat(cluster.client().call("add", Integer.class, 1, 1)).isEqualTo(2);
  }

  @Test
  void cancelledFuture_cancelsTheCallOnTheNode() {
    cluster.stopNode("two");
    CompletableFuture<String> call = cluster.client().callAsync("sleep", String.class, 5000);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> one.running.get() == 1);
    call.cancel(true);
    Awaitility.await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(one.interrupted.get()).isEqualTo(1));
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> cluster.gateway().inFlightCalls() == 0);
  }

  @Test
  void callNode_pinsTheNode() {
    List<String> servers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      servers.add(cluster.client().callNode("two", "whoami", String.class));
    }
    assertThat(servers.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting())))
        .containsExactly(Map.entry("two", 10L));
    assertThatThrownBy(() -> cluster.client().callNode("nope", "whoami", String.class))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NO_NODE_AVAILABLE);
          assertThat(e.getMessage()).contains("'nope'").contains("one").contains("two");
        });
  }

  @Test
  void nodes_reportsConnectedNodesAndCounters() {
    cluster.client().callNode("one", "add", Integer.class, 1, 2);
    assertThat(cluster.client().nodes()).extracting(n -> n.id()).containsExactly("one", "two");
    assertThat(cluster.client().node("one").maxConcurrency()).isEqualTo(1);
    assertThat(cluster.client().node("one").callsServed()).isEqualTo(1);
    assertThat(cluster.client().node("two").functions()).contains("whoami", "add");
  }
}
