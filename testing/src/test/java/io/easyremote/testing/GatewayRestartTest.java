package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, item 6: a gateway killed with SIGKILL and started again on the same port never
 * answers FUNCTION_NOT_FOUND for a function whose nodes are reconnecting: its registration grace
 * outlasts their reconnect backoff.
 */
@org.junit.jupiter.api.Tag("soak") // a kill -9 and restart of a gateway process: run by .ci/run, like the crash tests
class GatewayRestartTest {
  @Test
  @org.junit.jupiter.api.Timeout(150)
  void gatewayKilledAndRestarted_neverAnswersFunctionNotFound_whileNodesReconnect() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    String address = "127.0.0.1:" + port;
    Map<ErrorCode, Integer> failures = new EnumMap<>(ErrorCode.class);
    int succeededAfterRestart = 0;
    GatewayProcess gateway = GatewayProcess.start(port);
    try (ComputeNode a = ComputeNode.builder().gateway(address).id("a").register(new SampleFunctions("a")).build().start();
         ComputeNode b = ComputeNode.builder().gateway(address).id("b").register(new SampleFunctions("b")).build().start();
         Client client = Client.builder().gateway(address).deadline(Duration.ofSeconds(15)).build()) {
      assertThat(client.call("echo", String.class, "before")).isEqualTo("before");

      // Let the nodes' backoff grow: the gateway stays down for a few seconds.
      gateway.kill();
      long downUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      while (System.nanoTime() < downUntil) {
        try {
          client.withDeadline(Duration.ofMillis(500)).call("echo", String.class, "down"); // waits for the channel, then fails
        } catch (RemoteException e) {
          failures.merge(e.code(), 1, Integer::sum);
          java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // paced: it fails at once
        }
      }
      gateway = GatewayProcess.start(port);
      long checkUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
      while (System.nanoTime() < checkUntil && succeededAfterRestart < 50) {
        try {
          assertThat(client.call("echo", String.class, "after")).isEqualTo("after");
          succeededAfterRestart++;
        } catch (RemoteException e) {
          failures.merge(e.code(), 1, Integer::sum);
        }
      }
    } finally {
      gateway.close();
    }
    System.out.printf("RESTART succeededAfterRestart=%d failures=%s%n", succeededAfterRestart, failures);
    assertThat(failures).doesNotContainKey(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(succeededAfterRestart).isPositive();
  }
}
