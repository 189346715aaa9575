package io.easyremote.testing.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.easyremote.gateway.ClusterConfig;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos across gateways (issue 15, point 2): three gateways on a three-server NATS cluster, four
 * nodes that each know two gateways, sixteen callers; one gateway is killed with SIGKILL (its own
 * JVM), then one nats-server of three. Every call is accounted for. A soak run: left out of
 * {@code mvn -B verify}, run by .ci/run's soak stage.
 */
@Tag("soak")
class ClusterChaosTest {
  private static final String PASSWORD = "nats-pw-0123456789";
  private static final String SECRET = "cluster-secret-0123456789abcdef";
  /** Runs per token of a non-idempotent call, across every node. */
  private static final Map<String, Integer> runs = new ConcurrentHashMap<>();

  /** What every node offers: an idempotent lookup and a non-idempotent charge that records its runs. */
  public static final class Ledger {
    @Remote(idempotent = true)
    public String lookup(String token, int millis) throws InterruptedException {
      Thread.sleep(millis); // the work the call stands for
      return token;
    }

    @Remote
    public String charge(String token, int millis) throws InterruptedException {
      runs.merge(token, 1, Integer::sum);
      Thread.sleep(millis);
      return token;
    }
  }

  @Test
  @Timeout(180)
  void chaos_gatewayKilledThenNatsServerKilled_everyCallAccountedFor_andItsNodesReHomeWithinFiveSeconds() throws Exception {
    NatsServers.Builder servers = NatsServers.builder().servers(3);
    for (String id : List.of("gw-a", "gw-b", "gw-c")) {
      servers.user(NatsUser.gateway(id, PASSWORD));
    }
    List<AutoCloseable> open = new ArrayList<>();
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try (NatsServers nats = servers.start()) {
      Gateway a = gateway(nats, "gw-a", 0);
      open.add(a);
      Gateway b = gateway(nats, "gw-b", 1);
      open.add(b);
      ClusterGatewayProcess c = ClusterGatewayProcess.start("gw-c", nats.url(2), PASSWORD, SECRET);
      open.add(c);
      // A stays routing only (nobody homes there first, and gw-c's nodes re-home to B): every call entering A is forwarded.
      String[][] homes = {{"n1", c.address() + "," + b.address() + "," + a.address()}, {"n2", c.address() + "," + b.address()},
          {"n3", b.address() + "," + a.address()}, {"n4", b.address() + "," + c.address()}};
      for (String[] home : homes) {
        open.add(0, ComputeNode.builder().gateway(home[1]).id(home[0]).maxConcurrency(8)
            .reconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(1)).register(new Ledger()).build().start());
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> a.clusterStats().remoteNodes() == 4 && b.clusterStats().remoteNodes() == 2);

      Duration deadline = Duration.ofSeconds(5);
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger succeeded = new AtomicInteger();
      AtomicInteger idempotentFailed = new AtomicInteger();
      AtomicInteger overDeadline = new AtomicInteger();
      Map<ErrorCode, Integer> failedByCode = new ConcurrentHashMap<>();
      Map<String, Boolean> nonIdempotentTokens = new ConcurrentHashMap<>();
      List<Client> clients = List.of(Client.builder().gateway(a.address()).deadline(deadline).build(),
          Client.builder().gateway(b.address()).deadline(deadline).build());
      open.addAll(0, clients);
      for (int i = 0; i < 16; i++) {
        int caller = i;
        Client client = clients.get(i % 2); // 8 callers on A, 8 on B (the gateways that survive: a client knows one gateway)
        callers.submit(() -> {
          Random random = new Random(caller);
          while (running.get()) {
            boolean idempotent = random.nextBoolean();
            String token = UUID.randomUUID().toString();
            long start = System.nanoTime();
            sent.incrementAndGet();
            try {
              client.call(idempotent ? "lookup" : "charge", String.class, token, 5 + random.nextInt(30));
              succeeded.incrementAndGet();
            } catch (RemoteException e) {
              failedByCode.merge(e.code(), 1, Integer::sum);
              if (idempotent) {
                idempotentFailed.incrementAndGet();
                System.out.println("idempotent call failed: " + e.code() + " " + e.getMessage());
              }
            }
            if (!idempotent) {
              nonIdempotentTokens.put(token, true);
            }
            if (System.nanoTime() - start > deadline.toNanos() + TimeUnit.SECONDS.toNanos(1)) {
              overDeadline.incrementAndGet();
            }
          }
        });
      }

      Thread.sleep(5_000); // pacing the chaos (as FaultToleranceTest does): calls flow everywhere first
      long forwardedBefore = a.clusterStats().forwarded();
      long killed = System.nanoTime();
      c.kill();
      await("n1 and n2 re-home to B").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> ids(b.nodes()).containsAll(List.of("n1", "n2")));
      long reHomedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);

      Thread.sleep(8_000); // pacing
      nats.server(0).kill(); // A's nats-server: A reconnects to another
      Thread.sleep(10_000); // pacing
      running.set(false);
      callers.shutdown();
      assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

      int failed = failedByCode.values().stream().mapToInt(Integer::intValue).sum();
      int twice = (int) nonIdempotentTokens.keySet().stream().filter(t -> runs.getOrDefault(t, 0) > 1).count();
      System.out.printf("CLUSTER CHAOS: gateway gw-c kill -9, then nats-server 0 of 3 killed: sent=%d succeeded=%d failed=%d %s "
          + "idempotentFailed=%d nonIdempotentRunTwice=%d overDeadline=%d; forwarded by A: %d (%d after the kill); "
          + "gw-c's nodes re-homed %d ms after its kill%n", sent.get(), succeeded.get(), failed, failedByCode, idempotentFailed.get(),
          twice, overDeadline.get(), a.clusterStats().forwarded(), a.clusterStats().forwarded() - forwardedBefore, reHomedMillis);
      assertThat(sent.get()).isEqualTo(succeeded.get() + failed);
      assertThat(failedByCode.keySet()).isSubsetOf(ErrorCode.NODE_LOST);
      assertThat(idempotentFailed.get()).isZero();
      assertThat(overDeadline.get()).isZero();
      assertThat(twice).isZero();
      assertThat(reHomedMillis).isLessThan(5_000);
      assertThat(a.clusterStats().forwarded() - forwardedBefore).as("A kept forwarding after the kills").isGreaterThan(100);
    } finally {
      callers.shutdownNow();
      for (AutoCloseable closeable : open) {
        closeable.close();
      }
    }
  }

  private static List<String> ids(List<NodeInfo> nodes) {
    return nodes.stream().map(NodeInfo::id).toList();
  }

  private static Gateway gateway(NatsServers nats, String id, int server) {
    return Gateway.builder().port(0).registrationGrace(Duration.ZERO).drainTimeout(Duration.ofSeconds(1))
        .cluster(ClusterConfig.builder().servers(nats.urlsFrom(server)).noRandomize().gatewayId(id)
            .userPassword(id, PASSWORD.toCharArray()).secret(SECRET.toCharArray()).build())
        .build().start();
  }
}
