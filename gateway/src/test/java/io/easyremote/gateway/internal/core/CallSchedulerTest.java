package io.easyremote.gateway.internal.core;

import static io.easyremote.gateway.internal.core.CoreFixture.fn;
import static io.easyremote.gateway.internal.core.CoreFixture.hello;
import static io.easyremote.gateway.internal.core.CoreFixture.idempotent;
import static io.easyremote.gateway.internal.core.CoreFixture.payload;
import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.GatewayFrame.KindCase;
import io.easyremote.protocol.wire.Result;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The facade on a fake clock: deadlines, idempotency followers, registration and node loss, end to end in the core. */
class CallSchedulerTest {
  private final FakeClock clock = new FakeClock();
  private final CallScheduler scheduler = new CallScheduler(CoreFixture.settings(), CallListener.NONE, clock);

  private CallRequestSpec unary(String function, Duration deadline) {
    return CallRequestSpec.unary(function, null, payload("[]"), "tester", clock.nanoTime() + deadline.toNanos());
  }

  @Test
  void functionAnotherGatewayCannotTakeNow_failsWithItsError_butIsUnknownToAnAnonymousCallerOfAGatewayWithKeys() throws Exception {
    io.easyremote.protocol.wire.Error unavailable = Wire.error(ErrorCode.UNAVAILABLE, "No gateway can take 'gone' right now: "
        + "gateway 'gw-b', which offered it, stopped answering a moment ago; it never ran: retry.");
    scheduler.remoteGateways(new RemoteGateways() {
      @Override
      public String choose(CallRequestSpec request) {
        return null; // no gateway can take it now
      }

      @Override
      public io.easyremote.protocol.wire.Error unserved(CallRequestSpec request) {
        return request.function().equals("gone") ? unavailable : null;
      }

      @Override
      public Runnable forward(String gatewayId, CallRequestSpec request, CallSink reply) {
        throw new AssertionError("nothing is forwarded");
      }
    });
    CoreFixture.Outcome open = new CoreFixture.Outcome();
    scheduler.submit(unary("gone", Duration.ofSeconds(5)), open);
    assertThat(open.error).isEqualTo(unavailable);

    CoreFixture.Outcome neverOffered = new CoreFixture.Outcome();
    scheduler.submit(unary("typo", Duration.ofSeconds(5)), neverOffered);
    assertThat(neverOffered.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);

    // An anonymous caller of a gateway with client keys learns nothing of functions it may not see (even a name it may try:
    // whether the node made it public is not known here).
    CallGrant anonymous = new io.easyremote.gateway.internal.security.CallerAuthentication(io.easyremote.gateway.Access.builder()
        .clientKey("k", io.easyremote.gateway.Access.newSecret(), java.util.List.of("*"), 10, 0).publicFunctions("gone").build())
        .authenticate(null, "203.0.113.9");
    CallRequestSpec gone = unary("gone", Duration.ofSeconds(5));
    CoreFixture.Outcome hidden = new CoreFixture.Outcome();
    scheduler.submit(new CallRequestSpec(gone.function(), null, gone.payload(), gone.caller(), gone.deadlineNanos(), false, 0, null,
        Requirements.NONE, null, 1, false, anonymous), hidden);
    assertThat(hidden.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(hidden.error.getMessage()).doesNotContain("gw-b");
  }

  @Test
  void register_sendsWelcomeAndDispatchesTheQueue() throws Exception {
    CoreFixture.Frames frames = new CoreFixture.Frames();
    scheduler.register(hello("a", 2, fn("f")), frames);
    assertThat(frames.kinds()).containsExactly(KindCase.WELCOME);
    assertThat(frames.all().get(0).getWelcome().getHeartbeatIntervalMs()).isEqualTo(1000);
  }

  @Test
  void registrationGrace_runsFromListeningNotFromConstruction() throws Exception {
    CallScheduler slowStart = new CallScheduler(CoreFixture.settings(Duration.ofSeconds(7), 4), CallListener.NONE, clock);
    clock.forward(Duration.ofSeconds(20)); // class loading and TLS set-up on a slow machine
    slowStart.startRegistrationGrace();
    clock.forward(Duration.ofSeconds(6));
    CoreFixture.Outcome early = new CoreFixture.Outcome();
    slowStart.submit(unary("back", Duration.ofSeconds(30)), early);
    CoreFixture.Frames frames = new CoreFixture.Frames();
    slowStart.register(hello("a", 1, fn("back")), frames);
    assertThat(frames.kinds()).as("the call waited for the reconnecting node").contains(KindCase.INVOKE);

    clock.forward(Duration.ofSeconds(1)); // the grace is over now
    CoreFixture.Outcome late = new CoreFixture.Outcome();
    slowStart.submit(unary("gone", Duration.ofSeconds(30)), late);
    assertThat(late.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(early.completions).isZero();
  }

  @Test
  void deadline_expiresOnTheClockAndCancelsOnTheNode() throws Exception {
    CoreFixture.Frames frames = new CoreFixture.Frames();
    scheduler.register(hello("a", 1, fn("slow")), frames);
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    scheduler.submit(unary("slow", Duration.ofSeconds(2)), outcome);

    clock.forward(Duration.ofMillis(1999));
    assertThat(outcome.completions).isZero();
    clock.forward(Duration.ofMillis(1));
    assertThat(outcome.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(outcome.error.getMessage()).contains("ran on node 'a'");
    assertThat(frames.kinds()).filteredOn(kind -> kind != KindCase.PING) // a silent fake node is pinged after 1 s
        .containsExactly(KindCase.WELCOME, KindCase.INVOKE, KindCase.CANCEL);
  }

  @Test
  void answeredCall_cancelsItsDeadlineTimer() throws Exception {
    CoreFixture.Frames frames = new CoreFixture.Frames();
    NodeSession node = scheduler.register(hello("a", 1, fn("f")), frames);
    int timers = clock.pending();
    PendingCall call = scheduler.submit(unary("f", Duration.ofSeconds(30)), new CoreFixture.Outcome());
    assertThat(clock.pending()).isEqualTo(timers + 1);
    scheduler.onResult(node, Result.newBuilder().setCallId(call.id).setPayload(payload("1")).build());
    assertThat(clock.pending()).as("no timer left behind for a finished call").isEqualTo(timers);
  }

  @Test
  void sameIdempotencyKey_followsTheFirstCallAndRunsOnce() throws Exception {
    CoreFixture.Frames frames = new CoreFixture.Frames();
    NodeSession node = scheduler.register(hello("a", 4, idempotent("charge")), frames);
    CallRequestSpec keyed = new CallRequestSpec("charge", null, payload("[1]"), "tester", clock.nanoTime() + 5_000_000_000L, false, 0,
        null, Requirements.NONE, "order-1", 3, false);
    CoreFixture.Outcome first = new CoreFixture.Outcome();
    CoreFixture.Outcome repeat = new CoreFixture.Outcome();
    PendingCall call = scheduler.submit(keyed, first);
    scheduler.submit(keyed, repeat);
    assertThat(frames.invoked()).containsExactly(call.id);

    scheduler.onResult(node, Result.newBuilder().setCallId(call.id).setPayload(payload("ok")).build());
    assertThat(first.result.getData().toStringUtf8()).isEqualTo("ok");
    assertThat(repeat.result.getData().toStringUtf8()).isEqualTo("ok");
  }

  @Test
  void nodeGone_idempotentCallMovesToAnotherNode_othersFailNodeLost() throws Exception {
    CoreFixture.Frames aFrames = new CoreFixture.Frames();
    NodeSession a = scheduler.register(hello("a", 4, idempotent("read"), fn("write")), aFrames);
    CoreFixture.Outcome read = new CoreFixture.Outcome();
    CoreFixture.Outcome write = new CoreFixture.Outcome();
    scheduler.submit(unary("read", Duration.ofSeconds(30)), read);
    scheduler.submit(unary("write", Duration.ofSeconds(30)), write);
    CoreFixture.Frames bFrames = new CoreFixture.Frames();
    scheduler.register(hello("b", 4, idempotent("read"), fn("write")), bFrames);

    scheduler.onNodeGone(a, "stream closed");
    assertThat(write.code()).isEqualTo(ErrorCode.NODE_LOST);
    assertThat(read.completions).isZero();
    assertThat(bFrames.kinds()).containsExactly(KindCase.WELCOME, KindCase.INVOKE);
    assertThat(aFrames.completed()).isTrue();
    assertThat(scheduler.inFlight()).isEqualTo(1);
  }

  @Test
  void shutdown_failsQueuedCallsUnavailableAndClosesNodeStreams() throws Exception {
    CoreFixture.Frames frames = new CoreFixture.Frames();
    scheduler.register(hello("a", 1, fn("f")), frames);
    scheduler.submit(unary("f", Duration.ofSeconds(30)), new CoreFixture.Outcome());
    CoreFixture.Outcome queued = new CoreFixture.Outcome();
    scheduler.submit(unary("f", Duration.ofSeconds(30)), queued);

    scheduler.shutdown(Duration.ZERO);
    assertThat(queued.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(queued.error.getReachedNode()).isFalse();
    assertThat(frames.kinds()).contains(KindCase.DRAIN);
    assertThat(frames.completed()).isTrue();
  }

  @Test
  void deadlinePassedOnArrival_isRefusedBeforeRouting() {
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    scheduler.submit(unary("f", Duration.ZERO), outcome);
    assertThat(outcome.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(clock.pending()).as("only the health check is scheduled").isEqualTo(1);
  }

  @Test
  void onNodeGone_lastNodeOfAFunctionLost_callsWaitForItToRegisterAgain() throws Exception {
    NodeSession lost = scheduler.register(hello("a", 1, fn("charge")), new CoreFixture.Frames());
    scheduler.onNodeGone(lost, "its stream broke (CANCELLED)");
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    scheduler.submit(unary("charge", Duration.ofSeconds(5)), outcome);
    assertThat(outcome.completions).as("no FUNCTION_NOT_FOUND while its node reconnects: %s", outcome.error).isZero();
    assertThat(scheduler.queued()).isEqualTo(1);
    assertThat(awaitedNodeIds()).as("awaited (a cluster lists it as not ready)").containsExactly("a");

    CoreFixture.Frames back = new CoreFixture.Frames();
    scheduler.register(hello("a", 1, fn("charge")), back);
    assertThat(back.kinds()).containsExactly(KindCase.WELCOME, KindCase.INVOKE);
    assertThat(awaitedNodeIds()).as("connected again").isEmpty();
  }

  @Test
  void onNodeGone_aFloodOfLostNodes_keepsAtMostTheLimit_whileTheirFunctionsAreStillAwaited() throws Exception {
    for (int i = 0; i <= LostFunctions.MAX_NODES; i++) {
      NodeSession lost = scheduler.register(hello("n" + i, 1, fn("f" + i)), new CoreFixture.Frames());
      scheduler.onNodeGone(lost, "its stream broke (CANCELLED)");
    }
    assertThat(awaitedNodeIds()).hasSize(LostFunctions.MAX_NODES).doesNotContain("n" + LostFunctions.MAX_NODES);
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    scheduler.submit(unary("f" + LostFunctions.MAX_NODES, Duration.ofSeconds(5)), outcome);
    assertThat(outcome.completions).as("the last node's function is still awaited: %s", outcome.error).isZero();
  }

  @Test
  void functionAwaitedOnAnotherGateway_isForwardedThere_butOneAwaitedHereWaitsHere() throws Exception {
    java.util.List<String> forwardedTo = new java.util.ArrayList<>();
    scheduler.remoteGateways(new RemoteGateways() {
      @Override
      public String choose(CallRequestSpec request) {
        return null; // no node up anywhere
      }

      @Override
      public String chooseAwaited(CallRequestSpec request) {
        return "gw-b";
      }

      @Override
      public Runnable forward(String gatewayId, CallRequestSpec request, CallSink reply) {
        forwardedTo.add(gatewayId + ":" + request.function());
        return () -> { };
      }
    });
    scheduler.submit(unary("elsewhere", Duration.ofSeconds(5)), new CoreFixture.Outcome());
    assertThat(forwardedTo).containsExactly("gw-b:elsewhere");

    NodeSession lost = scheduler.register(hello("a", 1, fn("charge")), new CoreFixture.Frames());
    scheduler.onNodeGone(lost, "its stream broke (CANCELLED)");
    CoreFixture.Outcome waiting = new CoreFixture.Outcome();
    scheduler.submit(unary("charge", Duration.ofSeconds(5)), waiting);
    assertThat(forwardedTo).as("its own node is awaited here").containsExactly("gw-b:elsewhere");
    assertThat(scheduler.queued()).isEqualTo(1);
    assertThat(waiting.completions).isZero();
  }

  private java.util.List<String> awaitedNodeIds() {
    return scheduler.read(view -> view.awaitedNodes().stream().map(node -> node.nodeId).toList());
  }

  @Test
  void onNodeGone_lostNodeNeverComesBack_waitingCallsFailAsUnknownWhenTheWaitEnds() throws Exception {
    NodeSession lost = scheduler.register(hello("a", 1, fn("charge")), new CoreFixture.Frames());
    scheduler.onNodeGone(lost, "no frame for 10000 ms");
    CoreFixture.Outcome waiting = new CoreFixture.Outcome();
    scheduler.submit(unary("charge", Duration.ofSeconds(60)), waiting);

    clock.forward(Duration.ofMillis(CoreFixture.settings().lostFunctionWaitMillis() - 1));
    assertThat(waiting.completions).isZero();
    assertThat(awaitedNodeIds()).containsExactly("a");
    clock.forward(Duration.ofMillis(1));
    assertThat(waiting.code()).as("long before its deadline").isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(awaitedNodeIds()).as("no longer awaited").isEmpty();
    CoreFixture.Outcome later = new CoreFixture.Outcome();
    scheduler.submit(unary("charge", Duration.ofSeconds(60)), later);
    assertThat(later.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(scheduler.queued()).isZero();
  }

  @Test
  void onNodeGone_afterDraining_callsFailAsUnknownAtOnce() throws Exception {
    NodeSession retired = scheduler.register(hello("a", 1, fn("charge")), new CoreFixture.Frames());
    scheduler.onNodeDraining(retired);
    scheduler.onNodeGone(retired, "it closed its stream");
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    scheduler.submit(unary("charge", Duration.ofSeconds(5)), outcome);
    assertThat(outcome.code()).as("its functions were withdrawn, not lost").isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(awaitedNodeIds()).isEmpty();
  }

  @Test
  void onNodeGone_nodeLostThenTheOtherDrainsAway_callsWaitForTheLostOne() throws Exception {
    NodeSession lost = scheduler.register(hello("a", 1, fn("charge")), new CoreFixture.Frames());
    NodeSession retired = scheduler.register(hello("b", 1, fn("charge")), new CoreFixture.Frames());
    scheduler.onNodeGone(lost, "no frame for 10000 ms");
    scheduler.onNodeDraining(retired);
    scheduler.onNodeGone(retired, "it closed its stream");
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    scheduler.submit(unary("charge", Duration.ofSeconds(5)), outcome);
    assertThat(outcome.completions).as("'a' is probably reconnecting: %s", outcome.error).isZero();

    CoreFixture.Frames back = new CoreFixture.Frames();
    scheduler.register(hello("a", 1, fn("charge")), back);
    assertThat(back.kinds()).containsExactly(KindCase.WELCOME, KindCase.INVOKE);
  }

  @Test
  void onNodeGone_anotherNodeStillOffersIt_callsGoThere() throws Exception {
    NodeSession lost = scheduler.register(hello("a", 1, fn("charge")), new CoreFixture.Frames());
    CoreFixture.Frames other = new CoreFixture.Frames();
    scheduler.register(hello("b", 1, fn("charge")), other);
    scheduler.onNodeGone(lost, "its stream broke (CANCELLED)");
    scheduler.submit(unary("charge", Duration.ofSeconds(5)), new CoreFixture.Outcome());
    assertThat(other.kinds()).containsExactly(KindCase.WELCOME, KindCase.INVOKE);
  }
}
