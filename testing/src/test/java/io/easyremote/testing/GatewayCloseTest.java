package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closing drains first and then stops: a call in flight gets its answer; with nothing left, the
 * gateway, the node and the client each return from close in well under a second.
 */
class GatewayCloseTest {
  /** Far above a quiet close (tens of ms) on a loaded 2-core machine, well below Netty's 2 s quiet period. */
  private static final Duration QUICK = Duration.ofSeconds(1);

  @Test
  void close_withACallInFlight_waitsForItsAnswer_andTheNodeAndClientThenCloseWithinASecond() throws Exception {
    SampleFunctions functions = new SampleFunctions("slow");
    Gateway gateway = Gateway.builder().host("127.0.0.1").port(0).drainTimeout(Duration.ofSeconds(10)).warmup(Duration.ZERO)
        .registrationGrace(Duration.ZERO).build().start();
    ComputeNode node = ComputeNode.builder().gateway(gateway.address()).id("slow").register(functions).build().start();
    Client client = Client.builder().gateway(gateway.address()).deadline(Duration.ofSeconds(15)).build();
    try {
      CompletableFuture<String> running = client.callAsync("await", String.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> gateway.inFlightCalls() == 1);
      CompletableFuture<Void> closed = CompletableFuture.runAsync(gateway::close);

      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !closed.isDone());
      functions.gate.countDown();

      assertThat(running.get(10, TimeUnit.SECONDS)).as("the call in flight was drained, not cut").isEqualTo("slow");
      // The client is still connected with its call channel open: the gateway's close ends with
      // Armeria's 1 s connection drain, which is what lets that answer out (see Gateway.start).
      closed.get(10, TimeUnit.SECONDS);
      assertThat(timeClose(node)).as("node close once its gateway is gone").isLessThan(QUICK);
      assertThat(timeClose(client)).as("client close once its gateway is gone").isLessThan(QUICK);
    } finally {
      client.close();
      node.close();
      gateway.close();
    }
  }

  @Test
  void close_idleCluster_nodeClientAndGatewayEachStopWithinASecond() {
    Gateway gateway = Gateway.builder().host("127.0.0.1").port(0).warmup(Duration.ZERO).registrationGrace(Duration.ZERO).build().start();
    ComputeNode node = ComputeNode.builder().gateway(gateway.address()).id("idle").register(new SampleFunctions("idle")).build().start();
    Client client = Client.builder().gateway(gateway.address()).deadline(Duration.ofSeconds(15)).build();
    try {
      assertThat(client.call("echo", String.class, "up")).isEqualTo("up");

      assertThat(timeClose(client)).as("client close").isLessThan(QUICK);
      assertThat(timeClose(node)).as("node close (drain announced to a live gateway)").isLessThan(QUICK);
      assertThat(timeClose(gateway)).as("gateway close once its callers and nodes are gone").isLessThan(QUICK);
    } finally {
      client.close();
      node.close();
      gateway.close();
    }
  }

  private static Duration timeClose(AutoCloseable closeable) {
    long start = System.nanoTime();
    try {
      closeable.close();
    } catch (Exception e) {
      throw new AssertionError("close failed", e);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
