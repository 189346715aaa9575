package io.easyremote.gateway.internal.core;

import static io.easyremote.gateway.internal.core.CoreFixture.fn;
import static io.easyremote.gateway.internal.core.CoreFixture.hello;
import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodePickerTest {
  private final CoreFixture fx = new CoreFixture();
  private final NodePicker picker = new NodePicker(Strategy.ROUND_ROBIN);

  private PendingCall call(CallRequestSpec request) {
    return fx.call(1, request, new CoreFixture.Outcome());
  }

  @Test
  void pick_roundRobin_takesFreeNodesInTurn() {
    List<NodeSession> nodes = List.of(fx.node("a", 4, fn("f")).session(), fx.node("b", 4, fn("f")).session());
    PendingCall call = call(fx.unary("f", Duration.ofSeconds(5)));
    Set<String> picked = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      picked.add(picker.pick(call, nodes, fx.clock.nanoTime()).nodeId);
    }
    assertThat(picked).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void pick_everyNodeFull_returnsNullSoTheCallQueues() {
    NodeSession a = fx.node("a", 1, fn("f")).session();
    a.start(fx.call(99, fx.unary("f", Duration.ofSeconds(5)), new CoreFixture.Outcome()));
    assertThat(picker.pick(call(fx.unary("f", Duration.ofSeconds(5))), List.of(a), fx.clock.nanoTime())).isNull();
  }

  @Test
  void pick_nodeStillHoldingAnEarlierAttempt_isNotSentTheSameCallAgain() {
    NodeSession a = fx.node("a", 4, fn("f")).session();
    NodeSession b = fx.node("b", 4, fn("f")).session();
    PendingCall call = call(fx.unary("f", Duration.ofSeconds(5)));
    a.start(call);
    for (int i = 0; i < 3; i++) {
      assertThat(picker.pick(call, List.of(a, b), fx.clock.nanoTime())).isSameAs(b);
    }
  }

  @Test
  void pick_drainingOrSuspectNodes_areSkipped() {
    NodeSession draining = fx.node("a", 4, fn("f")).session();
    NodeSession suspect = fx.node("b", 4, fn("f")).session();
    NodeSession healthy = fx.node("c", 4, fn("f")).session();
    draining.markDraining();
    suspect.liveness().markSuspect();
    PendingCall call = call(fx.unary("f", Duration.ofSeconds(5)));
    for (int i = 0; i < 3; i++) {
      assertThat(picker.pick(call, List.of(draining, suspect, healthy), fx.clock.nanoTime())).isSameAs(healthy);
    }
  }

  @Test
  void pick_everyNodeEjected_usesEjectedNodesRatherThanStarving() {
    NodeSession a = fx.node("a", 4, fn("f")).session();
    long now = fx.clock.nanoTime();
    for (int i = 0; i < 3; i++) {
      a.stats().record(1, true, now, 3, Duration.ofSeconds(1).toNanos());
    }
    assertThat(a.stats().isEjected(now)).isTrue();
    PendingCall call = call(fx.unary("f", Duration.ofSeconds(5)));
    assertThat(NodePicker.allEjected(List.of(a), call, now)).isTrue();
    assertThat(picker.pick(call, List.of(a), now)).isSameAs(a);
  }

  @Test
  void pick_oneHealthyBesideAnEjected_avoidsTheEjected() {
    NodeSession ejected = fx.node("a", 4, fn("f")).session();
    NodeSession healthy = fx.node("b", 4, fn("f")).session();
    long now = fx.clock.nanoTime();
    for (int i = 0; i < 3; i++) {
      ejected.stats().record(1, true, now, 3, Duration.ofSeconds(1).toNanos());
    }
    PendingCall call = call(fx.unary("f", Duration.ofSeconds(5)));
    for (int i = 0; i < 3; i++) {
      assertThat(picker.pick(call, List.of(ejected, healthy), now)).isSameAs(healthy);
    }
  }

  @Test
  void unservable_pinnedToAnAbsentNode_isNoNodeAvailableNamingTheNodes() {
    NodeSession a = fx.node("a", 4, fn("f")).session();
    CallRequestSpec pinned = CallRequestSpec.unary("f", "ghost", CoreFixture.payload("[]"), "t", fx.clock.nanoTime() + 1_000_000_000L);
    Error error = picker.unservable(call(pinned), List.of(a), null);
    assertThat(Wire.fromWire(error.getCode())).isEqualTo(ErrorCode.NO_NODE_AVAILABLE);
    assertThat(error.getMessage()).contains("'ghost' is not connected").contains("a");
  }

  @Test
  void unservable_requirementsNoNodeMeets_explainsEachNode() {
    NodeSession cpu = fx.node(hello("cpu", 4, Map.of("gpu", "none"), fn("f")), null).session();
    CallRequestSpec wantsGpu = new CallRequestSpec("f", null, CoreFixture.payload("[]"), "t", fx.clock.nanoTime() + 1_000_000_000L,
        false, 0, null, new Requirements(Map.of("gpu", "a100"), 0, 0, 0));
    Error error = picker.unservable(call(wantsGpu), List.of(cpu), null);
    assertThat(Wire.fromWire(error.getCode())).isEqualTo(ErrorCode.NO_NODE_AVAILABLE);
    assertThat(error.getMessage()).contains("cpu (gpu=none, not a100)");
  }

  @Test
  void pick_largePool_samplesOnlyFreeNodes() {
    List<NodeSession> pool = new ArrayList<>();
    for (int i = 0; i < NodePicker.SAMPLE_ABOVE * 2; i++) {
      NodeSession node = fx.node("n" + i, 1, fn("f")).session();
      if (i != 7) {
        node.start(fx.call(1000 + i, fx.unary("f", Duration.ofSeconds(5)), new CoreFixture.Outcome())); // busy
      }
      pool.add(node);
    }
    PendingCall call = fx.call(1, new CallRequestSpec("f", null, CoreFixture.payload("[]"), "t", fx.clock.nanoTime() + 1_000_000_000L,
        false, 0, Strategy.LEAST_LOADED, Requirements.NONE), new CoreFixture.Outcome());
    assertThat(picker.pick(call, pool, fx.clock.nanoTime()).nodeId).isEqualTo("n7"); // sampled or scanned, only the free one
  }

  @Test
  void retryAfterMillis_staysWithinBounds() {
    NodeSession fresh = fx.node("a", 4, fn("f")).session();
    assertThat(NodePicker.retryAfterMillis(List.of(fresh))).isBetween(100L, 10_000L);
    fresh.stats().record(60_000, false, fx.clock.nanoTime(), 0, 0);
    assertThat(NodePicker.retryAfterMillis(List.of(fresh))).isEqualTo(10_000L);
  }
}
