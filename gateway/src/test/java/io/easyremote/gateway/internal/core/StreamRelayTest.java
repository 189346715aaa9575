package io.easyremote.gateway.internal.core;

import static io.easyremote.gateway.internal.core.CoreFixture.fn;
import static io.easyremote.gateway.internal.core.CoreFixture.hello;
import static io.easyremote.gateway.internal.core.CoreFixture.payload;
import static io.easyremote.gateway.internal.core.CoreFixture.streaming;
import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.GatewayFrame.KindCase;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamRelayTest {
  private final CoreFixture fx = new CoreFixture();
  private final LocalRoutingTable table = new LocalRoutingTable(fx.lock, 0);
  private final Dispatcher dispatcher = new Dispatcher(fx.lock, table, CoreFixture.settings(), fx.clock);
  private final StreamRelay relay = new StreamRelay(fx.lock, dispatcher, 1024);
  private CoreFixture.FakeNode node;
  private final CoreFixture.Outcome outcome = new CoreFixture.Outcome();
  private PendingCall call;

  @BeforeEach
  void streamWithTwoCredits() throws Exception {
    node = fx.node(hello("a", 1, streaming("count")), null);
    table.add(node.session(), (f, o, n) -> true, fx.clock.nanoTime());
    CallRequestSpec request = new CallRequestSpec("count", null, payload("[]"), "t", fx.clock.nanoTime() + 5_000_000_000L, true, 2);
    call = fx.call(1, request, outcome);
    assertThat(dispatcher.submit(call)).isNull();
    dispatcher.flush();
    assertThat(node.frames().all().get(0).getInvoke().getStreamCredits()).isEqualTo(2);
  }

  private StreamItem item(String text) {
    return StreamItem.newBuilder().setCallId(call.id).setPayload(payload(text)).build();
  }

  @Test
  void items_withinCredits_reachTheCallerAndTheEndCompletesIt() {
    relay.onItem(node.session(), item("1"));
    relay.onItem(node.session(), item("2"));
    relay.onEnd(node.session(), StreamEnd.newBuilder().setCallId(call.id).setCount(2).build());
    assertThat(outcome.items).hasSize(2);
    assertThat(outcome.ended).isEqualTo(2);
    assertThat(node.session().hasFreeSlot()).isTrue();
  }

  @Test
  void item_beyondTheCredits_stopsTheStreamAndCancelsOnTheNode() {
    relay.onItem(node.session(), item("1"));
    relay.onItem(node.session(), item("2"));
    relay.onItem(node.session(), item("3"));
    assertThat(outcome.items).hasSize(2);
    assertThat(outcome.code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(outcome.error.getMessage()).contains("more items").contains("than the caller granted");
    assertThat(node.frames().kinds()).containsExactly(KindCase.INVOKE, KindCase.CANCEL);
  }

  @Test
  void credit_isForwardedToTheNodeAndAllowsMoreItems() {
    relay.credit(call, 3);
    assertThat(node.frames().all()).extracting(GatewayFrame::getKindCase).containsExactly(KindCase.INVOKE, KindCase.CREDIT);
    for (int i = 0; i < 5; i++) {
      relay.onItem(node.session(), item("x"));
    }
    assertThat(outcome.items).hasSize(5);
    assertThat(outcome.error).isNull();
  }

  @Test
  void end_countDiffersFromItemsRelayed_failsTheCall() {
    relay.onItem(node.session(), item("1"));
    relay.onEnd(node.session(), StreamEnd.newBuilder().setCallId(call.id).setCount(7).build());
    assertThat(outcome.code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(outcome.error.getMessage()).contains("ended after 1 items but the node counted 7");
  }

  @Test
  void item_forAnUnknownCall_isIgnoredAndCounted() {
    relay.onItem(node.session(), StreamItem.newBuilder().setCallId(999).setPayload(payload("?")).build());
    assertThat(dispatcher.ignoredFrames()).isEqualTo(1);
    assertThat(outcome.items).isEmpty();
  }

  @Test
  void end_forAPlainCall_failsItWithInternalAndFreesTheNodesSlot() throws Exception {
    CoreFixture.FakeNode plainNode = fx.node(hello("p", 1, fn("plain")), null);
    table.add(plainNode.session(), (f, o, n) -> true, fx.clock.nanoTime());
    CoreFixture.Outcome plainOutcome = new CoreFixture.Outcome();
    PendingCall plain = fx.call(2, fx.unary("plain", Duration.ofSeconds(5)), plainOutcome);
    assertThat(dispatcher.submit(plain)).isNull();
    dispatcher.flush();

    relay.onEnd(plainNode.session(), StreamEnd.newBuilder().setCallId(plain.id).setCount(0).build());

    assertThat(plainOutcome.code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(plainOutcome.error.getMessage()).contains("sent a stream end for a call to 'plain', a plain function");
    assertThat(plainOutcome.ended).as("no stream end reached the caller of a plain call").isEqualTo(-1);
    assertThat(plainNode.session().hasFreeSlot()).isTrue();
  }

  @Test
  void end_ofAPendingCallWhoseSinkIsNoStream_leavesTheCallOpenForItsOutcome() {
    AtomicReference<Error> failed = new AtomicReference<>();
    PendingCall plain = fx.call(3, fx.unary("plain", Duration.ofSeconds(5)), new CallSink() {
      @Override
      public void onResult(Payload payload, String nodeId) { }

      @Override
      public void onError(Error error) {
        failed.set(error);
      }
    });

    assertThat(plain.end(0, "p")).isFalse();
    assertThat(plain.isCompleted()).isFalse();
    assertThat(plain.fail(Errors.of(ErrorCode.DEADLINE_EXCEEDED, "late"))).as("its deadline can still answer it").isTrue();
    assertThat(failed.get()).isNotNull();
  }

  @Test
  void item_overThePayloadLimit_isPayloadTooLarge() {
    relay.onItem(node.session(), item("x".repeat(2000)));
    assertThat(outcome.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
  }
}
