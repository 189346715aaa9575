package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.NodeResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Heartbeats, silence detection, fairness between callers, and real resource figures. */
class HealthTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.heartbeatInterval(Duration.ofMillis(200)).nodeTimeout(Duration.ofMillis(600)))
      .build();

  @Test
  void silentNode_withOpenConnection_stopsGettingCallsWithinThreeIntervals() throws Exception {
    cluster.startNode("steady", n -> n.register(Worker.slowedBy(1)));
    TcpProxy proxy = cluster.startNodeBehindProxy("silent", n -> n.register(Worker.slowedBy(1)));
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> cluster.gateway().nodes().size() == 2);

    long stalled = System.nanoTime();
    proxy.stallUpstream();
    Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
        .until(() -> cluster.gateway().nodes().stream().noneMatch(n -> n.id().equals("silent") && !n.state().equals("SUSPECT")));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalled)).isLessThanOrEqualTo(3 * 200 + 100);

    for (int i = 0; i < 50; i++) {
      assertThat(cluster.client().callDetailed("work", Integer.class, 1).nodeId()).isEqualTo("steady");
    }
    Awaitility.await().atMost(Duration.ofSeconds(2))
        .until(() -> cluster.gateway().nodes().stream().noneMatch(n -> n.id().equals("silent")));
    proxy.resume();
  }

  @Test
  void silentNode_shorterThanTheNodeTimeout_keepsItsCallsInFlight() throws Exception {
    try (TestCluster patient = TestCluster.builder()
        .gateway(g -> g.heartbeatInterval(Duration.ofMillis(200)).nodeTimeout(Duration.ofSeconds(10)))
        .build().start()) {
      TcpProxy proxy = patient.startNodeBehindProxy("starved", n -> n.register(new SampleFunctions("starved")));
      CompletableFuture<String> call = patient.client().callAsync("sleep", String.class, 1500); // not idempotent: never re-run
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> patient.gateway().inFlightCalls() == 1);

      proxy.stallUpstream(); // like a node starved of CPU: no heartbeats, connection open
      Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
          .until(() -> patient.gateway().nodes().stream().anyMatch(n -> n.id().equals("starved") && n.state().equals("SUSPECT")));
      // Silent for well over three intervals, under the node timeout: kept, with its call.
      Awaitility.await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
          .untilAsserted(() -> {
            assertThat(patient.gateway().nodes()).extracting(NodeInfo::id).containsExactly("starved");
            assertThat(patient.gateway().inFlightCalls()).isEqualTo(1);
          });

      proxy.resume();
      assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("starved");
      Awaitility.await().atMost(Duration.ofSeconds(2))
          .until(() -> patient.gateway().nodes().stream().noneMatch(n -> n.state().equals("SUSPECT")));
    }
  }

  @Test
  void flood_fromOneCaller_doesNotStarveAnother() throws Exception {
    cluster.startNode("single", n -> n.register(Worker.slowedBy(1)).maxConcurrency(1));
    try (Client a = Client.builder().gateway(cluster.address()).callerId("caller-a").deadline(Duration.ofSeconds(30)).build();
         Client b = Client.builder().gateway(cluster.address()).callerId("caller-b").deadline(Duration.ofSeconds(30)).build()) {
      List<CompletableFuture<Integer>> flood = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        flood.add(a.callAsync("work", Integer.class, 10));
      }
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().queuedCalls() >= 40);
      List<CompletableFuture<Integer>> polite = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        polite.add(b.callAsync("work", Integer.class, 10));
      }
      CompletableFuture.allOf(polite.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      long floodStillWaiting = flood.stream().filter(f -> !f.isDone()).count();
      assertThat(floodStillWaiting).as("caller A's calls still pending when B's five are done").isGreaterThanOrEqualTo(30);
      CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void heartbeats_carryRealResourceFigures_thatMoveUnderLoad() throws Exception {
    cluster.startNode("probe", n -> n.register(Worker.slowedBy(1)).maxConcurrency(4));
    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> cluster.client().node("probe").resources().memoryTotalBytes() > 0);
    NodeResources idle = cluster.client().node("probe").resources();
    assertThat(idle.cpuCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(idle.memoryFreeBytes()).isPositive().isLessThanOrEqualTo(idle.memoryTotalBytes());
    assertThat(idle.cpuLoad()).isBetween(0.0, 1.0);

    List<CompletableFuture<Long>> burners = new ArrayList<>();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      burners.add(cluster.client().callAsync("burn", Long.class, 2500));
    }
    double[] peak = new double[1];
    Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).until(() -> {
      NodeInfo node = cluster.client().node("probe");
      peak[0] = Math.max(peak[0], node.resources().cpuLoad());
      return peak[0] >= 0.8;
    });
    CompletableFuture.allOf(burners.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(peak[0]).isGreaterThan(idle.cpuLoad());
  }
}
