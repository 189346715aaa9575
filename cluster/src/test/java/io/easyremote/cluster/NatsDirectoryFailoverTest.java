package io.easyremote.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.easyremote.cluster.nats.NatsServer;
import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The directory under NATS failures (each test has its own servers, since it kills one): it keeps
 * converging when one server of three dies, and a gateway cut off from NATS keeps its view until
 * it hears again.
 */
class NatsDirectoryFailoverTest {
  private static final String PASSWORD = "pw-failover";

  @Test
  void killOneNatsServerOfThree_directoryKeepsConvergingWithoutDroppingAGateway() throws Exception {
    NatsServers.Builder builder = NatsServers.builder().servers(3);
    List.of("gw-a", "gw-b", "gw-c").forEach(id -> builder.user(NatsUser.gateway(id, PASSWORD)));
    try (NatsServers nats = builder.start()) {
      List<NatsDirectory> dirs = new ArrayList<>();
      try {
        String[] ids = {"gw-a", "gw-b", "gw-c"};
        for (int i = 0; i < 3; i++) {
          dirs.add(NatsDirectory.builder().servers(nats.urlsFrom(i)).noRandomize().gatewayId(ids[i])
              .userPassword(ids[i], PASSWORD.toCharArray()).build().start());
        }
        NatsDirectory a = dirs.get(0);
        NatsDirectory b = dirs.get(1);
        NatsDirectory c = dirs.get(2);
        assertThat(a.connectedUrl()).isEqualTo(nats.url(0));
        Map<String, AtomicInteger> dropped = new ConcurrentHashMap<>();
        for (NatsDirectory d : dirs) {
          d.addListener(ch -> {
            if (ch.kind() == DirectoryChange.Kind.EXPIRED || ch.kind() == DirectoryChange.Kind.RESTARTED) {
              dropped.computeIfAbsent(d.gatewayId() + " dropped " + ch.gatewayId(), k -> new AtomicInteger()).incrementAndGet();
            }
          });
        }
        List<LocalNode> aNodes = new ArrayList<>(List.of(LocalNode.of("a0", Set.of("f"), 2, 0)));
        List<LocalNode> bNodes = new ArrayList<>(List.of(LocalNode.of("b0", Set.of("f"), 2, 0)));
        a.publish(aNodes);
        b.publish(bNodes);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.view().nodeCount() == 2 && a.view().nodeCount() == 1 && b.view().nodeCount() == 1);

        long killed = System.nanoTime();
        nats.server(0).kill(); // gw-a's server: gw-a must reconnect to another
        aNodes.add(LocalNode.of("a1", Set.of("f"), 2, 0));
        a.publish(aNodes);
        bNodes.add(LocalNode.of("b1", Set.of("f"), 2, 0));
        b.publish(bNodes);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.view().node("a1").isPresent() && b.view().node("a1").isPresent()
            && a.view().node("b1").isPresent() && c.view().node("b1").isPresent());
        System.out.printf(Locale.ROOT, "Directory: converged %d ms after killing gw-a's nats-server (gw-a now on %s)%n",
            (System.nanoTime() - killed) / 1_000_000, a.connectedUrl());
        assertThat(a.connectedUrl()).isIn(nats.url(1), nats.url(2));

        // Still converging afterwards, and nobody was dropped (expired or reset) during the failover.
        aNodes.remove(0);
        a.publish(aNodes);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.view().node("a0").isEmpty() && b.view().node("a0").isEmpty());
        await().during(Duration.ofMillis(3000)).atMost(Duration.ofSeconds(5))
            .until(() -> b.view().gateways().size() == 2 && c.view().gateways().size() == 2 && a.view().gateways().size() == 2);
        assertThat(dropped).as("gateways dropped during the failover").isEmpty();
      } finally {
        dirs.forEach(NatsDirectory::close);
      }
    }
  }

  @Test
  void gatewayCutOffFromNats_keepsTheOthersWhileCutOff_thenDropsOnlyTheOneThatLeftMeanwhile() throws Exception {
    NatsServers.Builder builder = NatsServers.builder().servers(2).noAdvertise();
    List.of("gw-a", "gw-b", "gw-c").forEach(id -> builder.user(NatsUser.gateway(id, PASSWORD)));
    try (NatsServers nats = builder.start()) {
      // gw-a knows only n1: killing n1 cuts it off. gw-b and gw-c stay on n2.
      NatsDirectory a = directory(nats.url(0), "gw-a");
      NatsDirectory b = directory(nats.url(1), "gw-b");
      NatsDirectory c = directory(nats.url(1), "gw-c");
      try {
        a.publish(List.of(LocalNode.of("a0", Set.of("f"), 2, 0)));
        b.publish(List.of(LocalNode.of("b0", Set.of("f"), 2, 0)));
        c.publish(List.of(LocalNode.of("c0", Set.of("f"), 2, 0)));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.view().nodeCount() == 2 && b.view().nodeCount() == 2);
        Map<String, Long> droppedByA = dropped(a);

        nats.server(0).kill();
        c.close(); // its goodbye reaches gw-b, not gw-a, which is cut off
        await().atMost(Duration.ofSeconds(5)).until(() -> a.connectedUrl() == null && b.view().gateways().get("gw-c") == null);
        // Longer than the expiry: gw-a cannot hear anyone, which says nothing about them; gw-b does drop gw-a, which it no longer hears.
        await().during(Duration.ofMillis(3000)).atMost(Duration.ofSeconds(5))
            .until(() -> a.view().gateways().keySet().equals(Set.of("gw-b", "gw-c")));
        assertThat(b.view().gateways()).as("gw-b's view while gw-a is cut off").doesNotContainKey("gw-a");
        assertThat(droppedByA).as("gateways gw-a dropped while cut off").isEmpty();

        nats.restart(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.connectedUrl() != null);
        long back = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> droppedByA.containsKey("gw-c") && b.view().gateways().containsKey("gw-a"));
        long dropMs = (droppedByA.get("gw-c") - back) / 1_000_000;
        System.out.printf(Locale.ROOT, "Directory: gw-a dropped gw-c (gone while gw-a was cut off) %d ms after reconnecting%n", dropMs);
        assertThat(dropMs).as("ms from reconnecting to dropping the gateway that left meanwhile").isLessThan(3000);
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(3))
            .until(() -> a.view().gateways().keySet().equals(Set.of("gw-b")));
        assertThat(droppedByA).as("gateways gw-a dropped").containsOnlyKeys("gw-c");
      } finally {
        a.close();
        b.close();
      }
    }
  }

  @Test
  void gatewayOnAFrozenNatsServer_noticesWithinTheExpiry_andKeepsTheOthers() throws Exception {
    NatsServers.Builder builder = NatsServers.builder().servers(2).noAdvertise();
    List.of("gw-a", "gw-b").forEach(id -> builder.user(NatsUser.gateway(id, PASSWORD)));
    try (NatsServers nats = builder.start()) {
      NatsDirectory a = directory(nats.url(0), "gw-a");
      NatsDirectory b = directory(nats.url(1), "gw-b");
      try {
        a.publish(List.of(LocalNode.of("a0", Set.of("f"), 2, 0)));
        b.publish(List.of(LocalNode.of("b0", Set.of("f"), 2, 0)));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.view().nodeCount() == 1 && b.view().nodeCount() == 1);
        Map<String, Long> droppedByA = dropped(a);

        // gw-a's only server stops answering without closing anything: no reset tells gw-a, only
        // its pings going unanswered do. It must find out before gw-b would expire from its view.
        long frozen = System.nanoTime();
        nats.server(0).freeze(true);
        try {
          await().atMost(a.expiry()).until(() -> a.connectedUrl() == null);
          System.out.printf(Locale.ROOT, "Directory: gw-a found its nats-server frozen after %d ms (expiry %d ms)%n",
              (System.nanoTime() - frozen) / 1_000_000, a.expiry().toMillis());
          await().during(a.expiry().plusSeconds(1)).atMost(a.expiry().plusSeconds(3))
              .until(() -> a.view().gateways().containsKey("gw-b"));
          assertThat(droppedByA).as("gateways gw-a dropped while its server was frozen").isEmpty();
        } finally {
          nats.server(0).freeze(false);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> a.connectedUrl() != null && b.view().gateways().containsKey("gw-a"));
        assertThat(a.view().gateways()).containsOnlyKeys("gw-b");
        assertThat(droppedByA).as("gateways gw-a dropped").isEmpty();
      } finally {
        a.close();
        b.close();
      }
    }
  }

  @Test
  void gatewayPausedForHalfTheExpiry_keepsItsNatsConnection() throws Exception {
    NatsServers.Builder builder = NatsServers.builder().servers(1);
    List.of("gw-p", "gw-b").forEach(id -> builder.user(NatsUser.gateway(id, PASSWORD)));
    try (NatsServers nats = builder.start()) {
      NatsDirectory b = directory(nats.url(0), "gw-b");
      Process child = DirectoryProcess.start("gw-p", PASSWORD, 1, nats.url(0));
      try {
        await().atMost(Duration.ofSeconds(5)).until(() -> b.view().gateway("gw-p").isPresent());
        Long connection = connectionId(nats, "easyremote-gateway-gw-p");
        assertThat(connection).as("gw-p's connection in /connz").isNotNull();

        // A pause (a long collection, a busy host) of half the expiry: the pings that the paused
        // JVM owes run back to back once it resumes, before it reads the answers already waiting.
        // It must not call its connection stale for that.
        NatsServer.signal(child.pid(), "-STOP");
        Thread.sleep(b.expiry().toMillis() / 2);
        NatsServer.signal(child.pid(), "-CONT");
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
            .until(() -> connection.equals(connectionId(nats, "easyremote-gateway-gw-p")));
        assertThat(b.view().gateway("gw-p")).as("gw-p in gw-b's view").isPresent();
      } finally {
        child.destroyForcibly();
        child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        b.close();
      }
    }
  }

  /** The id nats-server gives the client connection named {@code name}, or null (none, or more than one). */
  private static Long connectionId(NatsServers nats, String name) throws java.io.IOException {
    String body = NatsServers.get(nats.server(0), "/connz?limit=1000").body();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{[^{}]*\"cid\":\\s*(\\d+)[^{}]*\"name\":\\s*\"" + name + "\"")
        .matcher(body);
    Long found = null;
    while (m.find()) {
      if (found != null) {
        return null;
      }
      found = Long.parseLong(m.group(1));
    }
    return found;
  }

  /** The gateways {@code directory} drops from now on (expired or left), with when (nanoTime). */
  private static Map<String, Long> dropped(NatsDirectory directory) {
    Map<String, Long> dropped = new ConcurrentHashMap<>();
    directory.addListener(ch -> {
      if (ch.kind() == DirectoryChange.Kind.EXPIRED || ch.kind() == DirectoryChange.Kind.LEFT) {
        dropped.put(ch.gatewayId(), System.nanoTime());
      }
    });
    return dropped;
  }

  /** Directory {@code id} on NATS {@code url}, started. */
  private static NatsDirectory directory(String url, String id) throws java.io.IOException {
    return NatsDirectory.builder().servers(url).gatewayId(id).userPassword(id, PASSWORD.toCharArray()).build().start();
  }
}
