package io.easyremote.gateway.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.cluster.DirectoryView;
import io.easyremote.cluster.FunctionOffer;
import io.easyremote.cluster.GatewayEntry;
import io.easyremote.cluster.NodeHealth;
import io.easyremote.cluster.RemoteNode;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A function some other gateway lists is never unknown: why no gateway can take a call to it now. */
class GatewayAbsencesTest {
  private final GatewayAbsences absences = new GatewayAbsences();
  private final long t0 = System.nanoTime();

  /** gw-b, with one node offering {@code echo} in {@code health}. */
  private static DirectoryView gwB(NodeHealth health) {
    RemoteNode node = new RemoteNode("gw-b", "b-node", Set.of("echo"), 4, health, Map.of(), 0.0);
    int healthy = health == NodeHealth.UP ? 1 : 0;
    return new DirectoryView(Map.of("gw-b", new GatewayEntry("gw-b", Map.of("b-node", node),
        Map.of("echo", new FunctionOffer("echo", "gw-b", List.of("b-node"), healthy, 4, 4)))));
  }

  private static CallRequestSpec call(String function, String pin, Requirements requirements) {
    return new CallRequestSpec(function, pin, Payload.getDefaultInstance(), "test", System.nanoTime() + 1_000_000_000L, false, 0,
        null, requirements, null, 1, false, CallGrant.OPEN);
  }

  private static CallRequestSpec call(String function) {
    return call(function, null, Requirements.NONE);
  }

  @Test
  void skippedGateway_isNamed_evenWhenItsSkipRanOutSinceTheForwarderLooked() {
    absences.skip("gw-b", t0);
    assertThat(absences.reachable("gw-b", t0 + 1)).as("the forwarder skips it").isFalse();
    // The skip runs out between the forwarder's choice and this answer: it must still agree that gw-b was skipped.
    long later = t0 + GatewayAbsences.SKIP_NANOS + 1;
    Error error = absences.unserved(gwB(NodeHealth.UP), call("echo"), true, later);
    assertThat(Wire.fromWire(error.getCode())).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(error.getMessage()).contains("'echo'", "gw-b", "no subscriber on NATS", "never ran");
    assertThat(error.getRetryAfterMs()).isEqualTo(GatewayAbsences.RETRY_AFTER_MILLIS);
    assertThat(absences.reachable("gw-b", later)).as("tried again once the skip ran out").isTrue();

    absences.skip("gw-b", t0);
    absences.joined("gw-b");
    assertThat(absences.reachable("gw-b", t0 + 1)).as("it rejoined the directory").isTrue();
  }

  @Test
  void offerWithNoNodeReady_isUnavailable_andOneNoNodeMeetsTheRequirementsOf_isNoNodeAvailable() {
    Error suspect = absences.unserved(gwB(NodeHealth.SUSPECT), call("echo"), true, t0);
    assertThat(Wire.fromWire(suspect.getCode())).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(suspect.getMessage()).contains("gw-b", "not ready", "never ran");

    Error unmet = absences.unserved(gwB(NodeHealth.UP), call("echo", null, new Requirements(Map.of("gpu", "*"), 0, 0, 0)), true, t0);
    assertThat(Wire.fromWire(unmet.getCode())).isEqualTo(ErrorCode.NO_NODE_AVAILABLE);
    assertThat(unmet.getMessage()).contains("'echo'", "requirements");
  }

  @Test
  void unknownFunction_pinnedCall_andCallForwardedHere_areNotExplainedByAListedOffer() {
    DirectoryView view = gwB(NodeHealth.SUSPECT);
    assertThat(absences.unserved(view, call("typo"), true, t0)).as("nobody offers it").isNull();
    assertThat(absences.unserved(view, call("echo", "b-node", Requirements.NONE), true, t0)).as("pinned").isNull();
    assertThat(absences.unserved(view, call("echo"), false, t0)).as("forwarded here: never sent on").isNull();
  }

  @Test
  void vanishedGateway_isNamedForItsFunctions_untilTheWaitRunsOut() {
    absences.viewChanged(gwB(NodeHealth.UP));
    absences.vanished("gw-b", t0);
    absences.viewChanged(DirectoryView.EMPTY);
    assertThat(absences.unserved(DirectoryView.EMPTY, call("echo"), false, t0 + 1).getMessage())
        .as("also to a call forwarded here").contains("gw-b", "stopped answering");
    assertThat(absences.unserved(DirectoryView.EMPTY, call("echo"), true, t0 + GatewayAbsences.VANISHED_WAIT_NANOS + 1))
        .as("long gone: unknown again").isNull();
  }
}
