package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.protocol.ErrorCode;
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

  /**
   * Issue 13, item 5: calls sent to a node that fell silent are given up on suspicion, not after
   * the node timeout: a call that may not run twice fails with NODE_LOST after five seconds of
   * silence; the node itself is kept (it may be starved, not dead), holds the slots of what it may
   * still be running, and serves again once heard.
   */
  @Test
  void silentNode_shorterThanTheNodeTimeout_isKept_butItsCallsFailWithinFiveSeconds() throws Exception {
    try (TestCluster patient = TestCluster.builder()
        .gateway(g -> g.nodeTimeout(Duration.ofSeconds(10))) // default 1 s heartbeats
        .build().start()) {
      TcpProxy proxy = patient.startNodeBehindProxy("starved", n -> n.register(new SampleFunctions("starved")));
      CompletableFuture<String> unsafe = patient.client().callAsync("sleep", String.class, 8000); // not idempotent: never re-run
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> patient.gateway().inFlightCalls() == 1);

      long stalled = System.nanoTime();
      proxy.stallUpstream(); // like a SIGSTOPped node: no frames at all, connection open
      assertThat(unsafe).failsWithin(Duration.ofSeconds(8)).withThrowableThat().havingCause()
          .isInstanceOfSatisfying(io.easyremote.protocol.RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.NODE_LOST);
            assertThat(e.reachedNode()).isTrue();
          });
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalled)).isBetween(4500L, 5600L);
      // Under the node timeout: kept as SUSPECT, still holding the slot of the call it may be running.
      assertThat(patient.gateway().nodes()).singleElement().satisfies(n -> {
        assertThat(n.state()).isEqualTo("SUSPECT");
        assertThat(n.inFlight()).isEqualTo(1);
      });

      proxy.resume();
      Awaitility.await().atMost(Duration.ofSeconds(8))
          .until(() -> patient.gateway().nodes().stream().allMatch(n -> n.state().equals("HEALTHY") && n.inFlight() == 0));
      assertThat(patient.client().call("echo", String.class, "again")).isEqualTo("again");
    }
  }

  @Test
  void silentNode_idempotentCallsMoveToAnotherNodeWithinTwoSeconds() throws Exception {
    try (TestCluster patient = TestCluster.builder().gateway(g -> g.nodeTimeout(Duration.ofSeconds(10))).build().start()) {
      TcpProxy proxy = patient.startNodeBehindProxy("frozen", n -> n.register(Worker.slowedBy(1)));
      List<CompletableFuture<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        calls.add(patient.client().callAsync("work", Integer.class, 3000)); // idempotent, 3 s each
      }
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> patient.gateway().inFlightCalls() == 4);
      patient.startNode("healthy", n -> n.register(Worker.slowedBy(1)));

      long stalled = System.nanoTime();
      proxy.stallUpstream();
      Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
          .until(() -> patient.gateway().nodes().stream().anyMatch(n -> n.id().equals("healthy") && n.inFlight() == 4));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalled)).as("moved within 2 s").isLessThanOrEqualTo(2000);
      for (CompletableFuture<Integer> call : calls) {
        assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(3000);
      }
      proxy.resume();
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
