package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node given two gateways re-homes to the second within 5 s when its gateway is killed with
 * SIGKILL (issue 15: "when theirs dies they re-home to another within 5 s"), and is callable there.
 */
class NodeRehomingTest {
  @Test
  @Timeout(120)
  void gatewayKilled_nodeWithTwoGateways_reHomesToTheOtherWithinFiveSeconds() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    GatewayProcess first = GatewayProcess.start(port);
    try (Gateway second = Gateway.builder().host("127.0.0.1").port(0).build().start();
         ComputeNode node = ComputeNode.builder().gateway("127.0.0.1:" + port + ",127.0.0.1:" + second.port()).id("wanderer")
             .register(new SampleFunctions("wanderer")).build().start();
         Client viaFirst = Client.builder().gateway("127.0.0.1:" + port).deadline(Duration.ofSeconds(10)).build();
         Client viaSecond = Client.builder().gateway("127.0.0.1:" + second.port()).deadline(Duration.ofSeconds(10)).build()) {
      assertThat(viaFirst.call("echo", String.class, "home")).as("it registered with the first gateway").isEqualTo("home");
      assertThat(second.nodes()).isEmpty();

      first.kill();
      long killed = System.nanoTime();
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> second.nodes().stream().anyMatch(n -> n.id().equals("wanderer")));
      long rehomedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      System.out.printf("REHOME wanderer moved to the second gateway %d ms after the first was killed%n", rehomedMillis);
      assertThat(viaSecond.call("echo", String.class, "moved")).isEqualTo("moved");
    } finally {
      first.close();
    }
  }
}
