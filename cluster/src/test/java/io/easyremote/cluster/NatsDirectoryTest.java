package io.easyremote.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.easyremote.cluster.DirectoryStats.Rejection;
import io.easyremote.cluster.internal.proto.Delta;
import io.easyremote.cluster.internal.proto.DirectoryMessage;
import io.easyremote.cluster.internal.proto.Health;
import io.easyremote.cluster.internal.proto.Node;
import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The directory on a real 3-server NATS cluster with per-gateway authorization. */
class NatsDirectoryTest {
  private static final String PASSWORD = "s3cret-pw";
  private static NatsServers nats;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void startNats() throws IOException {
    NatsServers.Builder b = NatsServers.builder().servers(3);
    for (String id : List.of("gw-a", "gw-b", "gw-c", "gw-k")) {
      b.user(NatsUser.gateway(id, PASSWORD));
    }
    b.user(NatsUser.password("intruder", PASSWORD, List.of("intruder.>"), List.of("easyremote.dir.>", "_INBOX.>")));
    nats = b.start();
  }

  @AfterAll
  static void stopNats() {
    if (nats != null) {
      nats.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private NatsDirectory directory(String id, int firstServer) throws IOException {
    NatsDirectory d = NatsDirectory.builder().servers(nats.urlsFrom(firstServer)).noRandomize().gatewayId(id)
        .userPassword(id, PASSWORD.toCharArray()).build().start();
    closeables.add(d);
    return d;
  }

  private static List<LocalNode> nodes(String prefix, int n, String... functions) {
    List<LocalNode> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(LocalNode.of(prefix + i, Set.of(functions), 8, i % 3));
    }
    return list;
  }

  @Test
  void publish_nodesOfOneGateway_reachTheOthersWithLoadAndGateway() throws Exception {
    NatsDirectory a = directory("gw-a", 0);
    NatsDirectory b = directory("gw-b", 1);
    NatsDirectory c = directory("gw-c", 2);
    a.publish(nodes("a", 3, "add", "echo"));
    b.publish(nodes("b", 2, "echo"));

    for (NatsDirectory other : List.of(b, c)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> other.view().gateway("gw-a").map(g -> g.nodes().size() == 3).orElse(false));
      FunctionOffer add = other.view().offers("add").get(0);
      assertThat(add.gatewayId()).isEqualTo("gw-a");
      assertThat(add.nodeIds()).containsExactlyInAnyOrder("a0", "a1", "a2");
      assertThat(add.healthyNodes()).isEqualTo(3);
      assertThat(add.capacity()).isEqualTo(24);
      assertThat(add.freeSlots()).isEqualTo(24 - (0 + 1 + 2));
      assertThat(other.view().node("a1")).get().extracting(RemoteNode::gatewayId, RemoteNode::functions)
          .containsExactly("gw-a", Set.of("add", "echo"));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> c.view().offers("echo").size() == 2);
    assertThat(a.view().gateways()).containsOnlyKeys("gw-b", "gw-c"); // never its own; gw-c has no nodes but is alive
    assertThat(c.view().gateways()).containsOnlyKeys("gw-a", "gw-b");
    assertThat(a.view().gateway("gw-c").orElseThrow().nodes()).isEmpty();

    a.publish(nodes("a", 1, "add", "echo")); // a1 and a2 leave
    await().atMost(Duration.ofSeconds(5)).until(() -> c.view().gateway("gw-a").map(g -> g.nodes().keySet()).orElse(Set.of())
        .equals(Set.of("a0")));
    assertThat(c.view().offers("add").get(0).freeSlots()).isEqualTo(8);
  }

  @Test
  void publish_beforeStart_goesOutOnceConnected_andASecondStartIsRefused() throws Exception {
    NatsDirectory a = NatsDirectory.builder().servers(nats.urlsFrom(0)).gatewayId("gw-a").userPassword("gw-a", PASSWORD.toCharArray())
        .build();
    closeables.add(a);
    a.publish(nodes("early-", 2, "add"));
    a.start();
    NatsDirectory b = directory("gw-b", 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> b.view().gateway("gw-a").map(g -> g.nodes().size() == 2).orElse(false));
    assertThatThrownBy(a::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
  }

  @Test
  void lateGateway_asksForSnapshot_andGetsEveryNodeInParts() throws Exception {
    NatsDirectory a = NatsDirectory.builder().servers(nats.urlsFrom(0)).gatewayId("gw-a").userPassword("gw-a", PASSWORD.toCharArray())
        .maxMessageBytes(4096).build().start();
    closeables.add(a);
    a.publish(nodes("early-", 3000, "work"));
    await().atMost(Duration.ofSeconds(5)).until(() -> a.stats().published() > 10); // the deltas went out before anyone listened
    NatsDirectory late = directory("gw-b", 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> late.view().gateway("gw-a").map(g -> g.nodes().size() == 3000).orElse(false));
    assertThat(late.stats().syncRequests()).isPositive();
    assertThat(a.stats().snapshotsPublished()).isPositive();
    assertThat(late.view().offers("work").get(0).nodeIds()).hasSize(3000);
  }

  @Test
  void join_fiftyNodesOneAfterAnother_eachVisibleOnEveryGatewayWithinOneSecond() throws Exception {
    NatsDirectory a = directory("gw-a", 0);
    NatsDirectory b = directory("gw-b", 1);
    NatsDirectory c = directory("gw-c", 2);
    Map<String, Long> seenB = new ConcurrentHashMap<>();
    Map<String, Long> seenC = new ConcurrentHashMap<>();
    closeables.add(b.addListener(ch -> ch.view().gateway("gw-a").ifPresent(g -> g.nodes().keySet().forEach(id -> seenB.putIfAbsent(id, System.nanoTime())))));
    closeables.add(c.addListener(ch -> ch.view().gateway("gw-a").ifPresent(g -> g.nodes().keySet().forEach(id -> seenC.putIfAbsent(id, System.nanoTime())))));
    a.publish(List.of());
    await().atMost(Duration.ofSeconds(5)).until(() -> b.view().gateway("gw-a").isPresent() && c.view().gateway("gw-a").isPresent());

    List<LocalNode> present = new ArrayList<>();
    long[] millis = new long[50];
    for (int i = 0; i < 50; i++) {
      String id = "joiner-" + i;
      present.add(LocalNode.of(id, Set.of("work"), 4, 0));
      long joined = System.nanoTime();
      a.publish(present);
      await().atMost(Duration.ofSeconds(5)).until(() -> seenB.containsKey(id) && seenC.containsKey(id));
      millis[i] = TimeUnit.NANOSECONDS.toMillis(Math.max(seenB.get(id), seenC.get(id)) - joined);
    }
    Arrays.sort(millis);
    long p50 = millis[24];
    long p99 = millis[(int) Math.ceil(0.99 * 50) - 1];
    System.out.printf(Locale.ROOT, "Directory join visible on every gateway (50 joins, 3 NATS servers): p50 %d ms, p99 %d ms, max %d ms%n",
        p50, p99, millis[49]);
    assertThat(p99).as("p99 of 50 joins, ms").isLessThanOrEqualTo(1000);
  }

  @Test
  void kill9_publisherProcess_itsEntriesVanishEverywhereWithinThreeSeconds() throws Exception {
    NatsDirectory b = directory("gw-b", 1);
    NatsDirectory c = directory("gw-c", 2);
    Process child = DirectoryProcess.start("gw-k", PASSWORD, 100, nats.url(0));
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> b.view().gateway("gw-k").map(g -> g.nodes().size() == 100).orElse(false)
          && c.view().gateway("gw-k").map(g -> g.nodes().size() == 100).orElse(false));

      long killed = System.nanoTime();
      child.destroyForcibly(); // SIGKILL: no goodbye
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
          .until(() -> b.view().gateway("gw-k").isEmpty() && c.view().gateway("gw-k").isEmpty());
      long gone = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      System.out.printf(Locale.ROOT, "Directory: a kill -9'd gateway's 100 nodes vanished from both others %d ms after the kill%n", gone);
      assertThat(gone).isLessThanOrEqualTo(3000);
      assertThat(b.view().node("gw-k-node-0")).isEmpty();
    } finally {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void close_publisher_saysGoodbyeAndVanishesAtOnce() throws Exception {
    NatsDirectory a = directory("gw-a", 0);
    NatsDirectory b = directory("gw-b", 1);
    List<DirectoryChange.Kind> kinds = new ArrayList<>();
    closeables.add(b.addListener(ch -> {
      if (ch.gatewayId().equals("gw-a")) {
        synchronized (kinds) {
          kinds.add(ch.kind());
        }
      }
    }));
    a.publish(nodes("a", 2, "add"));
    await().atMost(Duration.ofSeconds(5)).until(() -> b.view().gateway("gw-a").isPresent());
    long closed = System.nanoTime();
    a.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.view().gateway("gw-a").isEmpty());
    assertThat(System.nanoTime() - closed).isLessThan(Duration.ofMillis(1500).toNanos()); // before the 2 s expiry: the goodbye did it
    synchronized (kinds) {
      assertThat(kinds).first().isEqualTo(DirectoryChange.Kind.JOINED);
      assertThat(kinds).last().isEqualTo(DirectoryChange.Kind.LEFT);
    }
  }

  @Test
  void connect_withoutCredentials_isRefusedByNats() {
    assertThatThrownBy(() -> NatsDirectory.builder().servers(nats.url(0)).gatewayId("gw-a").connectTimeout(Duration.ofSeconds(2))
        .build().start())
        .isInstanceOf(IOException.class).hasMessageContaining("cannot connect to NATS").hasMessageContaining("uthorization");
    assertThatThrownBy(() -> NatsDirectory.builder().servers(nats.url(0)).gatewayId("gw-a").userPassword("gw-a", "wrong".toCharArray())
        .connectTimeout(Duration.ofSeconds(2)).build().start())
        .isInstanceOf(IOException.class).hasMessageContaining("uthorization");
  }

  @Test
  void forgedMessages_fromAuthenticatedButWrongIdentity_areIgnoredAndCounted() throws Exception {
    NatsDirectory a = directory("gw-a", 0);
    NatsDirectory c = directory("gw-c", 2);
    a.publish(nodes("a", 1, "add"));
    await().atMost(Duration.ofSeconds(5)).until(() -> c.view().gateway("gw-a").isPresent());

    DirectoryMessage forged = DirectoryMessage.newBuilder().setGatewayId("gw-a").setEpoch(42).setSeq(1)
        .setDelta(Delta.newBuilder().addStrings("add").addUpserts(Node.newBuilder().setId("evil").addFunctions(0).setCapacity(1000)
            .setHealth(Health.UP))).build();
    DirectoryMessage badIndex = forged.toBuilder().setGatewayId("gw-b")
        .setDelta(Delta.newBuilder().addUpserts(Node.newBuilder().setId("evil").addFunctions(7).setHealth(Health.UP))).build();
    // gw-b's credentials: allowed to publish only on easyremote.dir.gw-b (and sync requests).
    try (Connection gwB = Nats.connect(new Options.Builder().server(nats.url(1)).userInfo("gw-b", PASSWORD).build());
         Connection intruder = Nats.connect(new Options.Builder().server(nats.url(2)).userInfo("intruder", PASSWORD).build())) {
      gwB.publish("easyremote.dir.gw-b", "not a directory message".getBytes(StandardCharsets.UTF_8)); // MALFORMED
      gwB.publish("easyremote.dir.gw-b", forged.toByteArray());         // names gw-a on gw-b's subject: WRONG_GATEWAY
      gwB.publish("easyremote.dir.gw-b", badIndex.toByteArray());       // its own id, but a string index out of range: INVALID
      gwB.publish("easyremote.dir.gw-c", forged.toBuilder().setGatewayId("gw-c").build().toByteArray()); // OWN_ID at c... if NATS let it through
      gwB.publish("easyremote.dir.gw-a", forged.toByteArray());         // refused by NATS: not gw-b's subject
      intruder.publish("easyremote.dir.gw-a", forged.toByteArray());    // refused by NATS
      gwB.flush(Duration.ofSeconds(2));
      intruder.flush(Duration.ofSeconds(2));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> c.stats().rejected(Rejection.INVALID) == 1);
    DirectoryStats stats = c.stats();
    System.out.println("Directory stats at gw-c after the forgeries: " + stats);
    assertThat(stats.rejected(Rejection.MALFORMED)).isEqualTo(1);
    assertThat(stats.rejected(Rejection.WRONG_GATEWAY)).isEqualTo(1);
    assertThat(stats.rejected(Rejection.OWN_ID)).as("NATS refused gw-b's publish on gw-c's subject").isZero();
    assertThat(c.view().node("evil")).isEmpty();
    assertThat(c.view().gateway("gw-a").orElseThrow().nodes()).containsOnlyKeys("a0");
    assertThat(c.view().gateway("gw-b")).isEmpty();
    // gw-a's entry survived: the forged epoch would have reset it, had NATS delivered the message.
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> c.view().gateway("gw-a").isPresent()
        && c.view().node("evil").isEmpty());
  }
}
