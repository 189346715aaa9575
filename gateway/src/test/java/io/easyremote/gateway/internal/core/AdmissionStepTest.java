package io.easyremote.gateway.internal.core;

import static io.easyremote.gateway.internal.core.CoreFixture.fn;
import static io.easyremote.gateway.internal.core.CoreFixture.hello;
import static io.easyremote.gateway.internal.core.CoreFixture.payload;
import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayFrame.KindCase;
import io.easyremote.protocol.wire.Result;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The admission gate (the credits reservation) on a fake clock: a call waits for it, then is routed, refused, or expires. */
class AdmissionStepTest {
  private final FakeClock clock = new FakeClock();
  private final CallScheduler scheduler = new CallScheduler(CoreFixture.settings(), CallListener.NONE, clock);
  private final CompletableFuture<Error> verdict = new CompletableFuture<>();
  private final CoreFixture.Frames frames = new CoreFixture.Frames();

  private PendingCall submit(CoreFixture.Outcome outcome, Duration deadline) throws Exception {
    scheduler.register(hello("a", 1, fn("paid")), frames);
    scheduler.admission(call -> verdict);
    return scheduler.submit(CallRequestSpec.unary("paid", null, payload("[]"), "t", clock.nanoTime() + deadline.toNanos()), outcome);
  }

  @Test
  void callWaitsForTheGate_thenIsRouted() throws Exception {
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    PendingCall call = submit(outcome, Duration.ofSeconds(5));
    assertThat(frames.kinds()).as("nothing reaches the node before the gate answers").containsExactly(KindCase.WELCOME);
    assertThat(scheduler.queued()).as("a call waiting for the gate counts as queued").isEqualTo(1);
    verdict.complete(null);
    assertThat(frames.invoked()).containsExactly(call.id);
    assertThat(scheduler.queued()).isZero();
    assertThat(outcome.completions).isZero();
  }

  @Test
  void refusedByTheGate_failsWithItsErrorAndNeverReachesANode() throws Exception {
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    submit(outcome, Duration.ofSeconds(5));
    verdict.complete(Wire.error(ErrorCode.INSUFFICIENT_CREDITS, "no credits"));
    assertThat(outcome.code()).isEqualTo(ErrorCode.INSUFFICIENT_CREDITS);
    assertThat(frames.invoked()).isEmpty();
  }

  @Test
  void deadlinePassesWhileWaiting_expiresAndALateVerdictRoutesNothing() throws Exception {
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    submit(outcome, Duration.ofSeconds(2));
    clock.forward(Duration.ofSeconds(2));
    assertThat(outcome.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    verdict.complete(null);
    assertThat(frames.invoked()).isEmpty();
    assertThat(outcome.completions).isEqualTo(1);
  }

  @Test
  void shutdownWhileWaiting_failsTheCallUnavailable_andALateVerdictRoutesNothing() throws Exception {
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    submit(outcome, Duration.ofSeconds(5));
    scheduler.shutdown(Duration.ZERO);
    assertThat(outcome.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    verdict.complete(null);
    assertThat(frames.invoked()).isEmpty();
    assertThat(outcome.completions).isEqualTo(1);
  }

  @Test
  void gateThatFails_answersUnavailable() throws Exception {
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    submit(outcome, Duration.ofSeconds(5));
    verdict.completeExceptionally(new IllegalStateException("store down"));
    assertThat(outcome.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(frames.invoked()).isEmpty();
  }

  @Test
  void heldAnswer_resultWaitsForTheGateAfterTheListenersSawTheCall_thenGoesOut() throws Exception {
    java.util.List<Long> completedBeforeAnswer = new java.util.ArrayList<>();
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    CompletableFuture<Error> settled = new CompletableFuture<>();
    CallScheduler paid = new CallScheduler(CoreFixture.settings(), record -> completedBeforeAnswer.add(record.callId()), clock);
    NodeSession node = paid.register(hello("a", 1, fn("paid")), frames);
    paid.admission(call -> {
      call.answerAfter(settled);
      return null; // admitted at once
    });
    PendingCall call = paid.submit(CallRequestSpec.unary("paid", null, payload("[]"), "t", clock.nanoTime() + 5_000_000_000L), outcome);
    paid.onResult(node, Result.newBuilder().setCallId(call.id).setPayload(payload("42")).build());
    assertThat(completedBeforeAnswer).as("the listener (the settlement) saw it first").containsExactly(call.id);
    assertThat(outcome.completions).as("the result waits for the gate").isZero();
    settled.complete(null);
    assertThat(outcome.result.getData().toStringUtf8()).isEqualTo("42");
  }

  @Test
  void heldAnswer_gateRefuses_theCallerGetsTheErrorNamingTheNode() throws Exception {
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    CompletableFuture<Error> settled = new CompletableFuture<>();
    NodeSession node = scheduler.register(hello("a", 1, fn("paid")), frames);
    scheduler.admission(call -> {
      call.answerAfter(settled);
      return null;
    });
    PendingCall call = scheduler.submit(CallRequestSpec.unary("paid", null, payload("[]"), "t", clock.nanoTime() + 5_000_000_000L), outcome);
    scheduler.onResult(node, Result.newBuilder().setCallId(call.id).setPayload(payload("42")).build());
    settled.complete(Wire.error(ErrorCode.INSUFFICIENT_CREDITS, "spent on another gateway"));
    assertThat(outcome.code()).isEqualTo(ErrorCode.INSUFFICIENT_CREDITS);
    assertThat(outcome.error.getNodeId()).as("it reached a node").isEqualTo("a");
    assertThat(outcome.result).isNull();
  }
}
