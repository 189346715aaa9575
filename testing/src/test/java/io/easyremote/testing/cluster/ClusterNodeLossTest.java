package io.easyremote.testing.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.client.RetryPolicy;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.RemoteException;
import io.easyremote.testing.TcpProxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node lost by the gateway it dialled (not drained: it fell silent and was given up) is awaited
 * there for a moment, in case it reconnects, and calls to its functions wait for it. Through
 * another gateway of the cluster a call behaves the same: the lost node stays listed in the
 * directory as suspect while it is awaited, so the call is forwarded to wait there too, instead of
 * failing at once with FUNCTION_NOT_FOUND.
 */
class ClusterNodeLossTest {

  @Test
  void nodeLostByGatewayB_callThroughA_waitsAtBForItToReconnect_insteadOfFunctionNotFound() throws Exception {
    try (TwoGateways cluster = new TwoGateways()) {
      Setup setup = Setup.start(cluster, Duration.ofSeconds(20));
      assertThat(setup.viaA().call("echo", String.class, "before")).isEqualTo("before");

      setup.loseNode();
      CompletableFuture<String> call = setup.viaA().callAsync("echo", String.class, "while lost");
      await().atMost(Duration.ofSeconds(5)).until(() -> call.isDone() || setup.b().queuedCalls() == 1);
      assertThat(call).as("forwarded to gw-b, waiting there for its node").isNotDone();

      setup.proxy().resume(); // the node hears its stream was closed, reconnects and registers again
      assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("while lost");
      await().atMost(Duration.ofSeconds(5)).until(() -> "HEALTHY".equals(stateAtA(setup.a())));
    }
  }

  @Test
  void nodeLostByGatewayB_thatNeverComesBack_failsTheWaitingCallAsUnknownWhenTheWaitEnds_andGwAForgetsIt() throws Exception {
    try (TwoGateways cluster = new TwoGateways()) {
      Setup setup = Setup.start(cluster, Duration.ofSeconds(30));
      setup.loseNode(); // for good
      long lost = System.nanoTime();
      CompletableFuture<String> call = setup.viaA().callAsync("echo", String.class, "in vain");
      assertThat(call).failsWithin(Duration.ofSeconds(15)).withThrowableThat().havingCause()
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lost)).as("ms until it failed: the wait, not the deadline")
          .isBetween(5_000L, 12_000L);
      await().atMost(Duration.ofSeconds(5)).until(() -> stateAtA(setup.a()) == null);
    }
  }

  /**
   * gw-a, and gw-b that gives a node up after 1 s of silence; b-node on gw-b behind {@code proxy},
   * offering {@code echo}, listed at gw-a as HEALTHY; a client of gw-a with {@code deadline}.
   */
  private record Setup(Gateway a, Gateway b, TcpProxy proxy, Client viaA) {
    static Setup start(TwoGateways cluster, Duration deadline) {
      Gateway a = cluster.gateway("gw-a", Access.open());
      Gateway b = cluster.gateway("gw-b", Access.open(),
          builder -> builder.heartbeatInterval(Duration.ofMillis(200)).nodeTimeout(Duration.ofMillis(1_000)));
      TcpProxy proxy = cluster.add(TcpProxy.start(b.address()));
      cluster.add(ComputeNode.builder().gateway(proxy.address()).id("b-node").register("echo", String.class, s -> s).build().start());
      Client viaA = cluster.add(Client.builder().gateway(a.address()).deadline(deadline).retry(RetryPolicy.NONE).build());
      await().atMost(Duration.ofSeconds(5)).until(() -> "HEALTHY".equals(stateAtA(a)));
      return new Setup(a, b, proxy, viaA);
    }

    /** The node falls silent: gw-b gives it up and awaits it back, and gw-a lists it as SUSPECT. */
    void loseNode() {
      proxy.stallUpstream();
      await().atMost(Duration.ofSeconds(5)).until(() -> b.nodes().isEmpty() && "SUSPECT".equals(stateAtA(a)));
    }
  }

  /** The state gw-a lists gw-b's node in, or null while it does not list it. */
  private static String stateAtA(Gateway a) {
    return a.clusterNodes().stream().filter(n -> n.id().equals("b-node")).map(NodeInfo::state).findFirst().orElse(null);
  }
}
