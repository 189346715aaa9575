package io.easyremote.gateway.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.cluster.ClusterDirectory;
import io.easyremote.cluster.DirectoryListener;
import io.easyremote.cluster.DirectoryStats;
import io.easyremote.cluster.DirectoryView;
import io.easyremote.cluster.FunctionOffer;
import io.easyremote.cluster.GatewayEntry;
import io.easyremote.cluster.LocalNode;
import io.easyremote.cluster.NodeHealth;
import io.easyremote.cluster.RemoteNode;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.wire.Payload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a gateway is chosen from the directory's view (no NATS: the view is a plain value). */
class ClusterForwarderTest {
  private final Map<String, GatewayEntry> gateways = new HashMap<>();
  private final ClusterForwarder forwarder = new ClusterForwarder("gw-a", new ViewDirectory("gw-a", gateways), null,
      new ForwardSigner(null), "easyremote.fwd", null, java.time.Duration.ofSeconds(2));

  /** Adds a gateway whose nodes each offer {@code function}: (id, free slots of 4, cost, labels). */
  private void gateway(String id, String function, int free, Object[]... nodes) {
    Map<String, RemoteNode> byId = new HashMap<>();
    List<String> ids = new ArrayList<>();
    for (Object[] n : nodes) {
      @SuppressWarnings("unchecked")
      Map<String, String> labels = n.length > 2 ? (Map<String, String>) n[2] : Map.of();
      byId.put((String) n[0], new RemoteNode(id, (String) n[0], Set.of(function), 4, NodeHealth.UP, labels, (double) n[1]));
      ids.add((String) n[0]);
    }
    gateways.put(id, new GatewayEntry(id, byId, Map.of(function, new FunctionOffer(function, id, ids, ids.size(), 4 * ids.size(), free))));
  }

  private static CallRequestSpec call(String function, String pin, Strategy strategy, Requirements requirements, CallGrant grant) {
    return new CallRequestSpec(function, pin, Payload.getDefaultInstance(), "test", System.nanoTime() + 1_000_000_000L, false, 0,
        strategy, requirements, null, 1, false, grant);
  }

  private static CallRequestSpec call(String function, Strategy strategy) {
    return call(function, null, strategy, Requirements.NONE, CallGrant.OPEN);
  }

  @Test
  void unserved_namesAGatewayThatVanishedWithoutGoodbye_onlyForItsFunctions() {
    gateway("gw-c", "add", 4, new Object[] {"c1", 0.0});
    gateway("gw-d", "mul", 4, new Object[] {"d1", 0.0});
    forwarder.viewChanged(new DirectoryView(Map.copyOf(gateways)));

    gateways.remove("gw-c"); // expired from the directory: the view before knew what it offered
    forwarder.gatewayVanished("gw-c");
    forwarder.viewChanged(new DirectoryView(Map.copyOf(gateways)));
    assertThat(forwarder.choose(call("add", null))).isNull();
    io.easyremote.protocol.wire.Error error = forwarder.unserved(call("add", null));
    assertThat(io.easyremote.protocol.internal.Wire.fromWire(error.getCode())).isEqualTo(io.easyremote.protocol.ErrorCode.UNAVAILABLE);
    assertThat(error.getMessage()).contains("'add'", "gw-c", "stopped answering", "never ran");
    assertThat(error.getRetryAfterMs()).isEqualTo(GatewayAbsences.RETRY_AFTER_MILLIS);
    assertThat(forwarder.unserved(call("sub", null))).as("never offered").isNull();

    forwarder.gatewayVanished("gw-x"); // not in the view before: nothing to remember
    assertThat(forwarder.unserved(call("sub", null))).isNull();
  }

  /** Adds a gateway with one node offering {@code function} in {@code health} (counted healthy only when up). */
  private void gatewayWithNode(String id, String function, NodeHealth health, Map<String, String> labels) {
    RemoteNode node = new RemoteNode(id, id + "-node", Set.of(function), 4, health, labels, 0.0);
    int healthy = health == NodeHealth.UP ? 1 : 0;
    gateways.put(id, new GatewayEntry(id, Map.of(node.id(), node),
        Map.of(function, new FunctionOffer(function, id, List.of(node.id()), healthy, 4 * healthy, 4 * healthy))));
  }

  @Test
  void chooseAwaited_goesWhereASuspectNodeIsAwaited_neverToADrainingOne() {
    gatewayWithNode("gw-b", "echo", NodeHealth.DRAINING, Map.of());
    assertThat(forwarder.chooseAwaited(call("echo", null))).as("draining: leaving, not awaited").isNull();
    gatewayWithNode("gw-c", "echo", NodeHealth.SUSPECT, Map.of("gpu", "a100"));
    assertThat(forwarder.choose(call("echo", null))).as("no node up").isNull();
    assertThat(forwarder.chooseFree(call("echo", null))).as("no free capacity there").isNull();
    assertThat(forwarder.chooseAwaited(call("echo", null))).as("lost a moment ago: calls wait for it there").isEqualTo("gw-c");
    Requirements noGpu = new Requirements(Map.of("gpu", "none"), 0, 0, 0);
    assertThat(forwarder.chooseAwaited(call("echo", null, null, noGpu, CallGrant.OPEN))).as("not one it could run on").isNull();
    assertThat(forwarder.chooseAwaited(call("echo", "gw-c-node", null, Requirements.NONE, CallGrant.OPEN))).as("pinned").isNull();
    assertThat(forwarder.chooseAwaited(call("echo", null, null, Requirements.NONE, new PeerGrant(CallGrant.OPEN))))
        .as("forwarded here already").isNull();
  }

  @Test
  void choose_noGatewayOffersIt_isNull_andOneThatDoes_isChosen() {
    assertThat(forwarder.choose(call("add", null))).isNull();
    gateway("gw-c", "add", 4, new Object[] {"c1", 0.0});
    assertThat(forwarder.choose(call("add", null))).isEqualTo("gw-c");
  }

  @Test
  void choose_pinnedNode_goesToItsGateway_andAPinThatDoesNotOfferTheFunctionIsNotForwarded() {
    gateway("gw-b", "add", 4, new Object[] {"b1", 0.0});
    gateway("gw-c", "add", 4, new Object[] {"c1", 0.0});
    assertThat(forwarder.choose(call("add", "c1", null, Requirements.NONE, CallGrant.OPEN))).isEqualTo("gw-c");
    assertThat(forwarder.choose(call("other", "c1", null, Requirements.NONE, CallGrant.OPEN))).isNull();
    assertThat(forwarder.choose(call("add", "nowhere", null, Requirements.NONE, CallGrant.OPEN))).isNull();
  }

  @Test
  void choose_callForwardedHereAlready_isNeverForwardedAgain() {
    gateway("gw-c", "add", 4, new Object[] {"c1", 0.0});
    assertThat(forwarder.choose(call("add", null, null, Requirements.NONE, new PeerGrant(CallGrant.OPEN)))).isNull();
  }

  @Test
  void choose_roundRobin_rotatesOverTheGateways() {
    gateway("gw-b", "add", 4, new Object[] {"b1", 0.0});
    gateway("gw-c", "add", 4, new Object[] {"c1", 0.0});
    gateway("gw-d", "add", 4, new Object[] {"d1", 0.0});
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      seen.add(forwarder.choose(call("add", Strategy.ROUND_ROBIN)));
    }
    assertThat(seen).containsExactlyInAnyOrder("gw-b", "gw-c", "gw-d");
  }

  @Test
  void choose_costAware_takesTheGatewayWithTheCheapestFittingNode() {
    gateway("gw-b", "add", 4, new Object[] {"b1", 5.0});
    gateway("gw-c", "add", 4, new Object[] {"c1", 1.0, Map.of("gpu", "none")}, new Object[] {"c2", 9.0, Map.of("gpu", "a100")});
    assertThat(forwarder.choose(call("add", Strategy.COST_AWARE))).isEqualTo("gw-c");
    Requirements gpu = new Requirements(Map.of("gpu", "*"), 0, 0, 0);
    Requirements a100UnderSix = new Requirements(Map.of("gpu", "a100"), 0, 0, 6);
    assertThat(forwarder.choose(call("add", null, Strategy.COST_AWARE, gpu, CallGrant.OPEN))).isEqualTo("gw-c");
    assertThat(forwarder.choose(call("add", null, null, a100UnderSix, CallGrant.OPEN))).as("c2 costs 9").isNull();
  }

  @Test
  void choose_smart_prefersTheGatewayWithTheLargerFreeShare() {
    gateway("gw-b", "add", 0, new Object[] {"b1", 0.0}); // busy
    gateway("gw-c", "add", 4, new Object[] {"c1", 0.0}); // idle
    for (int i = 0; i < 20; i++) {
      assertThat(forwarder.choose(call("add", null))).isEqualTo("gw-c"); // of two gateways, both are always compared
    }
  }

  @Test
  void chooseFree_takesOnlyAGatewayWithAFreeSlot_neverForAPinOrACallForwardedHereAlready() {
    gateway("gw-b", "add", 0, new Object[] {"b1", 0.0}); // every slot taken at its last heartbeat
    assertThat(forwarder.chooseFree(call("add", null))).as("no gateway has room: the call waits here").isNull();

    gateway("gw-c", "add", 1, new Object[] {"c1", 0.0});
    for (int i = 0; i < 10; i++) {
      assertThat(forwarder.chooseFree(call("add", Strategy.ROUND_ROBIN))).isEqualTo("gw-c");
    }
    assertThat(forwarder.chooseFree(call("add", "c1", null, Requirements.NONE, CallGrant.OPEN))).as("pinned").isNull();
    assertThat(forwarder.chooseFree(call("add", null, null, Requirements.NONE, new PeerGrant(CallGrant.OPEN)))).as("second hop").isNull();
  }

  @Test
  void keyHome_sameKeyFromEveryGateway_isTheSameHome_andKeysSpreadOverTheGateways() {
    List<String> ids = List.of("gw-a", "gw-b", "gw-c");
    Map<String, ClusterForwarder> forwarders = new HashMap<>();
    for (String self : ids) {
      Map<String, GatewayEntry> others = new HashMap<>();
      ids.stream().filter(id -> !id.equals(self)).forEach(id -> others.put(id, new GatewayEntry(id, Map.of(), Map.of())));
      forwarders.put(self, new ClusterForwarder(self, new ViewDirectory(self, others), null, new ForwardSigner(null), "easyremote.fwd",
          null, java.time.Duration.ofSeconds(2)));
    }
    Map<String, Integer> homes = new HashMap<>();
    for (int k = 0; k < 300; k++) {
      CallRequestSpec keyed = new CallRequestSpec("add", null, Payload.getDefaultInstance(), "test", System.nanoTime() + 1_000_000_000L,
          false, 0, null, Requirements.NONE, "key-" + k, 1, false, CallGrant.OPEN);
      Set<String> seen = new java.util.HashSet<>();
      for (String self : ids) {
        String home = forwarders.get(self).keyHome(keyed);
        seen.add(home == null ? self : home);
      }
      assertThat(seen).as("key-%d's home as each gateway sees it", k).hasSize(1);
      homes.merge(seen.iterator().next(), 1, Integer::sum);
    }
    assertThat(homes).as("every gateway is home to some keys").containsOnlyKeys(ids)
        .allSatisfy((id, n) -> assertThat(n).isBetween(60, 140));
    CallRequestSpec unkeyed = call("add", null);
    assertThat(forwarders.get("gw-a").keyHome(unkeyed)).isNull();
  }

  /** A directory whose view is whatever is in {@code others} when it is read, for a gateway {@code self}. */
  private record ViewDirectory(String self, Map<String, GatewayEntry> others) implements ClusterDirectory {
    @Override
    public String gatewayId() {
      return self;
    }

    @Override
    public void publish(Iterable<LocalNode> nodes) {}

    @Override
    public DirectoryView view() {
      return new DirectoryView(Map.copyOf(others));
    }

    @Override
    public AutoCloseable addListener(DirectoryListener listener) {
      return () -> {};
    }

    @Override
    public DirectoryStats stats() {
      return new DirectoryStats(0, 0, Map.of(), 0, 0, 0);
    }

    @Override
    public void close() {}
  }
}
