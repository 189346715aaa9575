package io.easyremote.gateway.internal.core;

import static io.easyremote.gateway.internal.core.CoreFixture.fn;
import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeOutcomesTest {
  private final CoreFixture fx = new CoreFixture();
  private final List<NodeSession> refilled = new ArrayList<>();
  private final NodeOutcomes outcomes = new NodeOutcomes(CoreFixture.settings(), fx.clock, refilled::add);
  private final NodeSession node = fx.node("a", 4, fn("f")).session();
  private final PendingCall call = fx.call(1, fx.unary("f", Duration.ofSeconds(5)), new CoreFixture.Outcome());

  private void fail(int times) {
    for (int i = 0; i < times; i++) {
      outcomes.record(node, call, Wire.error(ErrorCode.FUNCTION_FAILED, "test"), false);
    }
  }

  @Test
  void threeFailuresInARow_ejectForTheBackoffThenReadmit() {
    fail(3);
    assertThat(node.stats().isEjected(fx.clock.nanoTime())).isTrue();
    fx.clock.forward(Duration.ofMillis(999));
    assertThat(refilled).isEmpty();
    fx.clock.forward(Duration.ofMillis(1));
    assertThat(node.stats().isEjected(fx.clock.nanoTime())).isFalse();
    assertThat(refilled).containsExactly(node);
  }

  @Test
  void ejectionRepeats_doubleTheBackoff() {
    fail(3);
    fx.clock.forward(Duration.ofSeconds(1));
    fail(3);
    assertThat(node.stats().ejectedUntilNanos() - fx.clock.nanoTime()).isEqualTo(Duration.ofSeconds(2).toNanos());
  }

  @Test
  void callersMistakes_areNotTheNodesFailures() {
    for (int i = 0; i < 10; i++) {
      outcomes.record(node, call, Wire.error(ErrorCode.INVALID_REQUEST, "test"), false);
    }
    outcomes.record(node, call, Wire.error(ErrorCode.CANCELLED, "test"), false);
    assertThat(node.stats().isEjected(fx.clock.nanoTime())).isFalse();
    assertThat(node.stats().snapshot().callsFailed()).isZero();
    assertThat(node.stats().snapshot().callsServed()).isEqualTo(11);
  }

  @Test
  void successBetweenFailures_resetsTheCount() {
    fail(2);
    outcomes.record(node, call, null, false);
    fail(2);
    assertThat(node.stats().isEjected(fx.clock.nanoTime())).isFalse();
  }

  @Test
  void removedNode_isNotReadmitted() {
    fail(3);
    node.markRemoved();
    fx.clock.forward(Duration.ofSeconds(2));
    assertThat(refilled).isEmpty();
  }
}
