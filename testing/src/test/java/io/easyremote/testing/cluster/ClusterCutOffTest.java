package io.easyremote.testing.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.client.RetryPolicy;
import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.easyremote.gateway.ClusterConfig;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A gateway cut off from NATS (the only server it knows is killed; the servers do not advertise
 * each other): it keeps its view of the cluster, a call that must leave it is held by the gateway
 * and goes out on the reconnect, once the cut-off outlasts the directory's expiry such calls fail
 * at once with UNAVAILABLE (they never ran), and calls flow again once it is back; and no forward
 * gets lost across repeated drops. Its own NATS cluster per test, since the tests kill a server.
 */
class ClusterCutOffTest {
  private static final String PASSWORD = "nats-pw-cut-off";
  private static final String SECRET = "cluster-secret-cut-off-0123456789";
  /** Calls kept in flight across the drops. */
  private static final int IN_FLIGHT = 64;
  /** Times a gateway's nats-server is killed and restarted in the tests of calls across drops. */
  private static final int ROUNDS = 5;

  @Test
  void gatewayCutOffFromNats_keepsItsView_buffersThenFailsFastWithUnavailable_andForwardsAgainOnceBack() throws Exception {
    java.util.Set<String> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
    NatsServers.Builder servers = NatsServers.builder().servers(2).noAdvertise();
    List.of("gw-a", "gw-b").forEach(id -> servers.user(NatsUser.gateway(id, PASSWORD)));
    try (NatsServers nats = servers.start();
        Gateway a = gateway(nats, "gw-a", 0);
        Gateway b = gateway(nats, "gw-b", 1);
        ComputeNode node = ComputeNode.builder().gateway(b.address()).id("b-node").register("echo", String.class, s -> {
          ran.add(s);
          return s;
        }).build().start();
        Client viaA = Client.builder().gateway(a.address()).deadline(Duration.ofSeconds(20)).retry(RetryPolicy.NONE).build()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().remoteNodes() == 1);
      assertThat(viaA.call("echo", String.class, "before")).isEqualTo("before");
      assertThat(a.clusterStats().cutOffMillis()).isZero();

      nats.server(0).kill();
      await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().cutOffMillis() > 0);
      // Within the expiry: gw-a holds the forward and sends it on the reconnect.
      CompletableFuture<String> buffered = viaA.callAsync("echo", String.class, "buffered");
      // One its caller cancels while it is held: gw-a drops it, so it never runs on gw-b's node.
      viaA.callAsync("echo", String.class, "cancelled while held").cancel(true);
      // Some whose deadline passes while they are held: each caller hears that it never ran (reachedNode false), and it never
      // will. Several at once: the gateway's deadline and the forward's own timer fire together, in either order.
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      List<CompletableFuture<java.net.http.HttpResponse<String>>> expiring = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        expiring.add(http.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + a.address() + "/api/echo?timeout=500ms"))
            .timeout(Duration.ofSeconds(10)).POST(java.net.http.HttpRequest.BodyPublishers.ofString("[\"expired while held\"]")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<java.net.http.HttpResponse<String>> response : expiring) {
        java.net.http.HttpResponse<String> expired = response.get(15, TimeUnit.SECONDS);
        assertThat(expired.statusCode()).as(expired.body()).isEqualTo(504);
        assertThat(expired.body()).contains("\"DEADLINE_EXCEEDED\"", "\"reachedNode\":false", "never ran");
      }
      // Past the expiry (2 s), gw-a still lists gw-b's node (it cannot tell whether gw-b is gone)...
      await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().cutOffMillis() > 2_500);
      assertThat(a.clusterStats().remoteNodes()).as("gw-b's nodes in gw-a's view while cut off").isEqualTo(1);
      // ...and a call that must go there fails at once, as never run: not FUNCTION_NOT_FOUND, not at its deadline.
      long start = System.nanoTime();
      assertThatThrownBy(() -> viaA.call("echo", String.class, "while cut off"))
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("cut off", "gw-b", "never ran");
          });
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms to fail the call").isLessThan(2_000);
      assertThat(buffered).as("the call buffered before the expiry").isNotDone();

      nats.restart(0);
      long back = System.nanoTime();
      await().atMost(Duration.ofSeconds(10)).until(() -> a.clusterStats().cutOffMillis() == 0);
      assertThat(buffered.get(10, TimeUnit.SECONDS)).isEqualTo("buffered");
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
          .until(() -> !ran.contains("cancelled while held") && !ran.contains("expired while held")); // they would have gone out with "buffered"
      assertThat(viaA.call("echo", String.class, "after")).isEqualTo("after");
      System.out.printf(Locale.ROOT, "Cut off: calls through gw-a flow again %d ms after its nats-server restarted%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back));
      assertThat(a.clusterStats().remoteNodes()).isEqualTo(1);
    }
  }

  /**
   * Calls keep being forwarded from A to B while A's only nats-server is killed and restarted, five
   * times. The NATS client reports a drop before its writer stops, and what that writer takes
   * meanwhile is written to the dead socket and lost; so A holds the forwards it makes while its
   * connection is down and sends them after the reconnect. No call may get lost on the way: each
   * one succeeds, or fails at once with a named error (NODE_LOST when it was in flight at the drop,
   * its answer lost), never at its deadline.
   */
  @Test
  void forwardsMadeAcrossNatsDrops_areNeverLost_heldOnesGoOnTheReconnect() throws Exception {
    // UNAVAILABLE: a round whose outage outlasted the expiry (2 s), when A fails a call it cannot send at once (never ran).
    callsThroughAWhileAServerIsKilled(0, java.util.Set.of("OK", "NODE_LOST", "UNAVAILABLE"));
  }

  /**
   * The same with B's nats-server killed: the answers B sent around the drop may be lost, and so
   * may forwards on their way to it. B holds the answers it makes while down, and once back tells
   * A which of A's requests it still runs or has just answered; A fails the others (NODE_LOST at
   * once) instead of letting them wait for their deadlines. A forward to B while B has no
   * subscriber gets NATS's "no responders" (UNAVAILABLE, never ran), and for the next 3 s, while A
   * skips B, A has no other gateway for the function B offered: UNAVAILABLE naming B (retry), not
   * FUNCTION_NOT_FOUND.
   */
  @Test
  void answersAroundTheServingGatewaysNatsDrops_areNeverWaitedForUntilTheDeadline() throws Exception {
    callsThroughAWhileAServerIsKilled(1, java.util.Set.of("OK", "NODE_LOST", "UNAVAILABLE"));
  }

  /** 64 calls kept in flight through A (to B's node) while nats-server {@code server} is killed and restarted {@link #ROUNDS} times. */
  private static void callsThroughAWhileAServerIsKilled(int server, java.util.Set<String> allowed) throws Exception {
    NatsServers.Builder servers = NatsServers.builder().servers(2).noAdvertise();
    List.of("gw-a", "gw-b").forEach(id -> servers.user(NatsUser.gateway(id, PASSWORD)));
    Duration deadline = Duration.ofSeconds(12);
    try (NatsServers nats = servers.start();
        Gateway a = gateway(nats, "gw-a", 0);
        Gateway b = gateway(nats, "gw-b", 1);
        ComputeNode node = ComputeNode.builder().gateway(b.address()).id("b-node").maxConcurrency(64)
            .register("echo", String.class, s -> s).build().start();
        Client viaA = Client.builder().gateway(a.address()).deadline(deadline).retry(RetryPolicy.NONE).build()) {
      Gateway cut = server == 0 ? a : b;
      await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().remoteNodes() == 1);
      assertThat(viaA.call("echo", String.class, "before")).isEqualTo("before");

      java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> outcomes =
          new java.util.concurrent.ConcurrentHashMap<>();
      java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
      java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(IN_FLIGHT);
      Thread caller = new Thread(() -> {
        int i = 0;
        while (running.get()) {
          inFlight.acquireUninterruptibly();
          long start = System.nanoTime();
          String token = "t" + i++;
          viaA.callAsync("echo", String.class, token).whenComplete((echoed, failure) -> {
            slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
            String outcome = failure == null ? (token.equals(echoed) ? "OK" : "WRONG " + echoed)
                : unwrapped(failure) instanceof RemoteException e ? e.code().name() : failure.toString();
            outcomes.computeIfAbsent(outcome, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            inFlight.release();
          });
        }
      }, "cut-off-caller");
      caller.start();
      try {
        for (int round = 0; round < ROUNDS; round++) {
          long okBefore = count(outcomes, "OK");
          await().atMost(Duration.ofSeconds(10)).until(() -> count(outcomes, "OK") > okBefore + 200);
          nats.server(server).kill();
          await().atMost(Duration.ofSeconds(5)).until(() -> cut.clusterStats().cutOffMillis() > 0);
          nats.restart(server);
          await().atMost(Duration.ofSeconds(10)).until(() -> cut.clusterStats().cutOffMillis() == 0);
        }
        long okBefore = count(outcomes, "OK");
        await().atMost(Duration.ofSeconds(10)).until(() -> count(outcomes, "OK") > okBefore + 200);
      } finally {
        running.set(false);
        caller.join(10_000);
      }
      assertThat(inFlight.tryAcquire(IN_FLIGHT, deadline.toMillis() + 5_000, TimeUnit.MILLISECONDS)).as("every call ended").isTrue();
      System.out.printf(Locale.ROOT, "Forwards across %d drops of %s's nats-server: %s; slowest call %d ms%n", ROUNDS, server == 0 ? "gw-a" : "gw-b",
          outcomes, TimeUnit.NANOSECONDS.toMillis(slowest.get()));
      assertThat(outcomes.keySet()).as("outcomes (a lost forward or answer would end in DEADLINE_EXCEEDED)").isSubsetOf(allowed)
          .contains("OK");
      assertThat(slowest.get()).as("no call waited for its deadline").isLessThan(deadline.toNanos() / 2);
    }
  }

  private static Throwable unwrapped(Throwable failure) {
    return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  private static long count(java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> outcomes, String outcome) {
    java.util.concurrent.atomic.AtomicInteger n = outcomes.get(outcome);
    return n == null ? 0 : n.get();
  }

  private static Gateway gateway(NatsServers nats, String id, int server) {
    // Each gateway knows only its own server: with no_advertise it never learns the other.
    return Gateway.builder().port(0).registrationGrace(Duration.ZERO).drainTimeout(Duration.ofSeconds(1))
        .cluster(ClusterConfig.builder().servers(nats.url(server)).gatewayId(id).userPassword(id, PASSWORD.toCharArray())
            .secret(SECRET.toCharArray()).build())
        .build().start();
  }
}
