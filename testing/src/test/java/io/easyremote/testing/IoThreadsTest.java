package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.Client;
import io.easyremote.gateway.Gateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A gateway with several event loops relays between connections that live on different loops. */
class IoThreadsTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.ioThreads(3))
      .node("one", node -> node.register(new SampleFunctions("one")).maxConcurrency(8))
      .node("two", node -> node.register(new SampleFunctions("two")).maxConcurrency(8))
      .build();

  @Test
  void callersOnSeveralConnections_allGetTheirOwnAnswers() throws Exception {
    List<Client> clients = new ArrayList<>();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    try {
      for (int c = 0; c < 5; c++) { // five connections: some share a loop with a node's link, some do not
        clients.add(Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(20)).build());
      }
      for (int i = 0; i < 400; i++) {
        calls.add(clients.get(i % clients.size()).callAsync("echo", String.class, "call-" + i));
      }
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
      for (int i = 0; i < calls.size(); i++) {
        assertThat(calls.get(i).join()).isEqualTo("call-" + i);
      }
      // Seven connections (five callers, two nodes) round-robin over the gateway's own three loops.
      Map<String, Long> loopsPerGroup = Thread.getAllStackTraces().keySet().stream()
          .map(Thread::getName)
          .filter(name -> name.startsWith("easyremote-gateway-io-"))
          .collect(Collectors.groupingBy(name -> name.substring(0, name.lastIndexOf('-')), Collectors.counting()));
      assertThat(loopsPerGroup).as("live gateway event-loop threads by group").containsValue(3L);
    } finally {
      clients.forEach(Client::close);
    }
  }

  @Test
  void ioThreads_belowOne_isRefused() {
    assertThatThrownBy(() -> Gateway.builder().ioThreads(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ioThreads must be > 0");
  }
}
