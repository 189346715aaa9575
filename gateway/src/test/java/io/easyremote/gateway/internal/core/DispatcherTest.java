package io.easyremote.gateway.internal.core;

import static io.easyremote.gateway.internal.core.CoreFixture.fn;
import static io.easyremote.gateway.internal.core.CoreFixture.hello;
import static io.easyremote.gateway.internal.core.CoreFixture.idempotent;
import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.GatewayFrame.KindCase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  private final CoreFixture fx = new CoreFixture();
  private final LocalRoutingTable table = new LocalRoutingTable(fx.lock, 0);
  private final Dispatcher dispatcher = new Dispatcher(fx.lock, table, CoreFixture.settings(), fx.clock);
  private long ids;

  private CoreFixture.FakeNode join(String id, int slots, io.easyremote.protocol.wire.FunctionSpec... fns) throws Exception {
    CoreFixture.FakeNode node = fx.node(hello(id, slots, fns), null);
    table.add(node.session(), (f, o, n) -> true, fx.clock.nanoTime());
    return node;
  }

  private PendingCall submit(String function, CoreFixture.Outcome outcome) {
    PendingCall call = fx.call(++ids, fx.unary(function, Duration.ofSeconds(5)), outcome);
    Error error = dispatcher.submit(call);
    if (error != null) {
      call.fail(error);
    }
    return call;
  }

  @Test
  void submit_freeNode_queuesTheInvokeAndWritesItOnlyOnFlush() throws Exception {
    CoreFixture.FakeNode a = join("a", 2, fn("f"));
    PendingCall call = submit("f", new CoreFixture.Outcome());

    assertThat(call.state()).isEqualTo(PendingCall.State.DISPATCHED);
    assertThat(a.frames().all()).as("nothing is serialized under the routing lock").isEmpty();
    dispatcher.flush();
    assertThat(a.frames().invoked()).containsExactly(call.id);
    assertThat(dispatcher.inFlight()).isEqualTo(1);
  }

  @Test
  void submit_everySlotBusy_queuesThenFillsTheSlotWhenTheNodeAnswers() throws Exception {
    CoreFixture.FakeNode a = join("a", 1, fn("f"));
    PendingCall first = submit("f", new CoreFixture.Outcome());
    PendingCall second = submit("f", new CoreFixture.Outcome());
    assertThat(second.state()).isEqualTo(PendingCall.State.QUEUED);
    assertThat(dispatcher.queued("f")).isEqualTo(1);

    assertThat(dispatcher.finish(a.session(), first.id, null)).isSameAs(first);
    dispatcher.flush();
    assertThat(a.frames().invoked()).containsExactly(first.id, second.id);
    assertThat(dispatcher.queued(null)).isZero();
  }

  @Test
  void submit_queueFull_isOverloadedWithRetryAfter() throws Exception {
    join("a", 1, fn("f"));
    for (int i = 0; i < 5; i++) { // 1 running + 4 queued (the fixture's queue bound)
      submit("f", new CoreFixture.Outcome());
    }
    CoreFixture.Outcome refused = new CoreFixture.Outcome();
    submit("f", refused);
    assertThat(refused.code()).isEqualTo(ErrorCode.OVERLOADED);
    assertThat(refused.error.getRetryAfterMs()).isBetween(100L, 10_000L);
  }

  @Test
  void submit_unknownFunction_isFunctionNotFound() {
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    submit("nope", outcome);
    assertThat(outcome.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
  }

  @Test
  void submit_duringRegistrationGrace_waitsForTheNodeThenFailsWhenGraceEnds() {
    Dispatcher graceful = new Dispatcher(fx.lock, table, CoreFixture.settings(Duration.ofSeconds(7), 4), fx.clock);
    graceful.startGrace();
    PendingCall call = fx.call(1, fx.unary("later", Duration.ofSeconds(30)), new CoreFixture.Outcome());
    assertThat(graceful.submit(call)).isNull();
    assertThat(graceful.queued("later")).isEqualTo(1);

    fx.clock.forward(Duration.ofSeconds(7));
    graceful.endGrace();
    assertThat(call.isCompleted()).isTrue();
    assertThat(graceful.queued(null)).isZero();
  }

  @Test
  void endGrace_leavesACallMovedOffALostNodeWaiting_itMayHaveRunSoItIsNotUnknown() throws Exception {
    Dispatcher graceful = new Dispatcher(fx.lock, table, CoreFixture.settings(Duration.ofSeconds(7), 4), fx.clock);
    graceful.startGrace();
    CoreFixture.FakeNode a = join("a", 1, idempotent("f"));
    CoreFixture.Outcome outcome = new CoreFixture.Outcome();
    PendingCall call = fx.call(1, fx.unary("f", Duration.ofSeconds(30)), outcome);
    assertThat(graceful.submit(call)).isNull();
    assertThat(call.node()).isSameAs(a.session());

    table.remove(a.session(), fx.clock.nanoTime()); // lost while the grace runs: the call goes back to wait
    assertThat(graceful.reroute(call, a.session())).isTrue();
    fx.clock.forward(Duration.ofSeconds(7));
    graceful.endGrace();
    assertThat(call.isCompleted()).as("not failed as FUNCTION_NOT_FOUND with reached_node false: it ran once").isFalse();
    assertThat(graceful.queued("f")).isEqualTo(1);
  }

  @Test
  void abandon_runningCall_cancelFollowsItsInvokeAndTheSlotStaysTaken() throws Exception {
    CoreFixture.FakeNode a = join("a", 1, fn("f"));
    PendingCall call = submit("f", new CoreFixture.Outcome());
    Error error = dispatcher.abandon(call, ErrorCode.DEADLINE_EXCEEDED, null);
    dispatcher.flush();

    assertThat(Wire.fromWire(error.getCode())).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(error.getReachedNode()).isTrue();
    assertThat(a.frames().kinds()).containsExactly(KindCase.INVOKE, KindCase.CANCEL);
    assertThat(a.session().hasFreeSlot()).as("the node may still be running it").isFalse();
    assertThat(dispatcher.abandon(call, ErrorCode.CANCELLED, "again")).as("once only").isNull();
    assertThat(dispatcher.finish(a.session(), call.id, null)).as("its late answer is not delivered").isNull();
    assertThat(a.session().hasFreeSlot()).isTrue();
  }

  @Test
  void abandon_queuedCall_leavesTheQueue() throws Exception {
    join("a", 1, fn("f"));
    submit("f", new CoreFixture.Outcome());
    PendingCall queued = submit("f", new CoreFixture.Outcome());
    Error error = dispatcher.abandon(queued, ErrorCode.CANCELLED, "caller left");
    assertThat(error.getReachedNode()).isFalse();
    assertThat(dispatcher.queued("f")).isZero();
  }

  @Test
  void finish_unknownCallId_isIgnoredAndCounted() throws Exception {
    CoreFixture.FakeNode a = join("a", 1, fn("f"));
    assertThat(dispatcher.finish(a.session(), 424242, null)).isNull();
    assertThat(dispatcher.ignoredFrames()).isEqualTo(1);
  }

  @Test
  void finish_overloadedAnswer_movesAnIdempotentCallToAnotherNode() throws Exception {
    CoreFixture.FakeNode a = join("a", 1, idempotent("f"));
    CoreFixture.FakeNode b = join("b", 1, idempotent("f"));
    PendingCall call = submit("f", new CoreFixture.Outcome());
    CoreFixture.FakeNode first = call.node() == a.session() ? a : b;
    CoreFixture.FakeNode other = first == a ? b : a;

    Error refused = Wire.error(ErrorCode.OVERLOADED, "test");
    assertThat(dispatcher.finish(first.session(), call.id, refused)).as("not answered yet").isNull();
    dispatcher.flush();
    assertThat(call.node()).isSameAs(other.session());
    assertThat(other.frames().invoked()).containsExactly(call.id);
    assertThat(call.attempts()).isEqualTo(2);
  }

  @Test
  void reroute_nonIdempotentFunction_staysPut() throws Exception {
    join("a", 1, fn("f"));
    join("b", 1, fn("f"));
    PendingCall call = submit("f", new CoreFixture.Outcome());
    NodeSession on = call.node();
    assertThat(dispatcher.reroute(call, on)).isFalse();
    assertThat(call.node()).isSameAs(on);
    assertThat(call.state()).isEqualTo(PendingCall.State.DISPATCHED);
    assertThat(call.attempts()).as("no second dispatch").isEqualTo(1);
  }

  @Test
  void close_refusesNewCallsAndReturnsTheQueued() throws Exception {
    join("a", 1, fn("f"));
    submit("f", new CoreFixture.Outcome());
    PendingCall queued = submit("f", new CoreFixture.Outcome());
    assertThat(dispatcher.close()).containsExactly(queued);
    CoreFixture.Outcome late = new CoreFixture.Outcome();
    submit("f", late);
    assertThat(late.code()).isEqualTo(ErrorCode.UNAVAILABLE);
  }
}
