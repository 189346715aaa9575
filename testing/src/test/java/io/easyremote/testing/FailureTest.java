package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Nodes that vanish mid-call, and gateways that restart under running nodes. */
class FailureTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder().build();

  @Test
  void nodeConnectionKilledMidCall_failsTheCallWithNodeLost() throws Exception {
    SampleFunctions functions = new SampleFunctions("fragile");
    TcpProxy proxy = cluster.startNodeBehindProxy("fragile", node -> node.register(functions));
    CompletableFuture<String> call = cluster.client().callAsync("sleep", String.class, 5000);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> functions.running.get() == 1);

    long start = System.nanoTime();
    proxy.cut();
    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NODE_LOST);
          assertThat(e.nodeId()).isEqualTo("fragile");
          assertThat(e.getMessage()).contains("'fragile'").contains("'sleep'");
          assertThat(e.reachedNode()).isTrue();
        });
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000);
    // The node notices, cancels its orphaned work, reconnects through the proxy and serves again.
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(functions.interrupted.get()).isEqualTo(1));
    Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
        .until(() -> cluster.client().call("whoami", String.class).equals("fragile"));
  }

  @Test
  void gatewayRestartsOnSamePort_nodeReRegistersAndServesWithinFiveSeconds() {
    cluster.startNode("steady", node -> node.register(new SampleFunctions("steady")));
    assertThat(cluster.client().call("whoami", String.class)).isEqualTo("steady");

    cluster.restartGateway();
    long restarted = System.nanoTime();
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
        .until(() -> cluster.client().call("whoami", String.class).equals("steady"));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted)).isLessThan(5000);
    assertThat(cluster.gateway().nodes()).extracting(n -> n.id()).containsExactly("steady");
  }
}
