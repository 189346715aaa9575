package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.Client;
import io.easyremote.client.ClientStats;
import io.easyremote.client.RetryPolicy;
import io.easyremote.gateway.Gateway;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Client retries across a gateway restart, and the retry budget that keeps an outage from multiplying load. */
class RetryTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder().build();

  @Test
  void gatewayRestart_idempotentCallsWithARetryPolicySucceedAcrossIt() throws Exception {
    cluster.startNode("steady", n -> n.register(new Ledger("steady", Ledger.newRuns())).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)));
    RetryPolicy retry = RetryPolicy.builder().maxAttempts(50).backoff(Duration.ofMillis(50), Duration.ofMillis(300)).build();
    try (Client client = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(15)).retry(retry).build()) {
      client.functions(); // learns which functions are idempotent
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger ok = new AtomicInteger();
      List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService callers = Executors.newFixedThreadPool(4);
      for (int i = 0; i < 4; i++) {
        callers.submit(() -> {
          while (running.get()) {
            try {
              client.call("lookup", String.class, "t", 10);
              ok.incrementAndGet();
            } catch (RemoteException e) {
              failures.add(e.toString());
            }
          }
        });
      }
      org.awaitility.Awaitility.await("callers under way").atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= 20);
      cluster.restartGateway();
      int before = ok.get();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > before + 50);
      running.set(false);
      callers.shutdown();
      assertThat(callers.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
      assertThat(failures).isEmpty();
      assertThat(client.stats().retries()).isPositive();
    }
  }

  @Test
  void everyAttemptFailingFast_attemptsStayWithinTheRetryBudget() throws Exception {
    SampleFunctions busy = new SampleFunctions("busy");
    try (TestCluster full = TestCluster.builder().gateway(g -> g.maxQueuedCallsPerFunction(0))
        .node("busy", n -> n.register(busy).maxConcurrency(1)).build().start()) {
      // The only slot, and no queue; a deadline longer than the loop below takes on a loaded machine.
      CompletableFuture<String> hog = full.client().withDeadline(Duration.ofSeconds(60)).callAsync("await", String.class);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> full.gateway().inFlightCalls() == 1);
      RetryPolicy retry = RetryPolicy.builder().maxAttempts(5).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).budget(0.2, 5).build();
      try (Client client = Client.builder().gateway(full.address()).deadline(Duration.ofSeconds(5)).retry(retry).build()) {
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
          assertThatThrownBy(() -> client.call("add", Integer.class, 1, 2))
              .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ClientStats stats = client.stats();
        System.out.printf("RETRY BUDGET calls=%d attempts=%d retries=%d denied=%d in %.1f s%n",
            stats.calls(), stats.attempts(), stats.retries(), stats.retriesDeniedByBudget(), seconds);
        assertThat(stats.calls()).isEqualTo(100);
        assertThat(stats.attempts()).isLessThan(500); // what 5 attempts per call would cost without a budget
        // 20% of calls, plus the starting reserve of 10 and 5 per second of elapsed time
        assertThat(stats.retries()).isLessThanOrEqualTo(Math.round(100 * 0.2 + 10 + 5 * seconds + 1));
        assertThat(stats.retriesDeniedByBudget()).isPositive();
      }
      busy.gate.countDown();
      assertThat(hog.get(5, TimeUnit.SECONDS)).isEqualTo("busy");
    }
  }
}
