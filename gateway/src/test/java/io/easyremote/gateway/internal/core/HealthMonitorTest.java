package io.easyremote.gateway.internal.core;

import static io.easyremote.gateway.internal.core.CoreFixture.fn;
import static io.easyremote.gateway.internal.core.CoreFixture.hello;
import static io.easyremote.gateway.internal.core.CoreFixture.idempotent;
import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.GatewayFrame.KindCase;
import io.easyremote.protocol.wire.Heartbeat;
import io.netty.channel.DefaultEventLoop;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Silence, suspicion and failover on a fake clock: 1 s heartbeats, checks every 250 ms, 10 s node timeout. */
class HealthMonitorTest {
  private final CoreFixture fx = new CoreFixture();
  private final LocalRoutingTable table = new LocalRoutingTable(fx.lock, 0);
  private final Dispatcher dispatcher = new Dispatcher(fx.lock, table, CoreFixture.settings(), fx.clock);
  private final NodeLoss loss = new NodeLoss(fx.lock, dispatcher);
  private final List<String> gone = new ArrayList<>();
  private final HealthMonitor health = new HealthMonitor(fx.lock, CoreFixture.settings(), table, dispatcher, loss, fx.clock,
      (node, reason) -> {
        gone.add(node.nodeId);
        table.remove(node, fx.clock.nanoTime());
        loss.lost(node, reason);
      });
  private CoreFixture.FakeNode silent;
  private CoreFixture.FakeNode alive;
  private final CoreFixture.Outcome movable = new CoreFixture.Outcome();
  private final CoreFixture.Outcome stuck = new CoreFixture.Outcome();
  private PendingCall movableCall;
  private PendingCall stuckCall;

  @BeforeEach
  void silentNodeRunsTwoCalls() throws Exception {
    fx.clock.repeat(health::check, health.checkEveryMillis * 1_000_000);
    silent = fx.node(hello("silent", 4, idempotent("retryable"), fn("once")), null);
    table.add(silent.session(), (f, o, n) -> true, fx.clock.nanoTime());
    movableCall = fx.call(1, fx.unary("retryable", Duration.ofSeconds(60)), movable);
    stuckCall = fx.call(2, fx.unary("once", Duration.ofSeconds(60)), stuck);
    assertThat(dispatcher.submit(movableCall)).isNull();
    assertThat(dispatcher.submit(stuckCall)).isNull();
    alive = fx.node(hello("alive", 4, idempotent("retryable"), fn("once")), null);
    table.add(alive.session(), (f, o, n) -> true, fx.clock.nanoTime());
    dispatcher.flush();
  }

  /** Moves the clock in check-sized steps, the live node sending a frame at each. */
  private void advance(Duration duration) {
    for (long waited = 0; waited < duration.toMillis(); waited += 50) {
      alive.session().heard();
      fx.clock.forward(Duration.ofMillis(50));
    }
  }

  @Test
  void silence_pingsThenSuspectsThenMovesThenFailsThenRemoves() {
    advance(Duration.ofMillis(1000));
    assertThat(silent.frames().kinds()).as("silent for exactly one interval: not yet").doesNotContain(KindCase.PING);
    advance(Duration.ofMillis(300)); // the check at 1.25 s
    assertThat(silent.frames().kinds()).contains(KindCase.PING);
    assertThat(silent.session().liveness().suspect()).isFalse();

    advance(Duration.ofMillis(500)); // 1.8 s: suspect (1.5 s), ping unanswered for 0.5 s: the idempotent call moves
    assertThat(silent.session().liveness().suspect()).isTrue();
    assertThat(movableCall.node()).isSameAs(alive.session());
    assertThat(alive.frames().invoked()).containsExactly(movableCall.id);
    assertThat(silent.frames().kinds()).contains(KindCase.CANCEL);
    assertThat(stuck.completions).isZero();

    advance(Duration.ofMillis(3500)); // 5.3 s: the call that may not run twice fails
    assertThat(stuck.code()).isEqualTo(ErrorCode.NODE_LOST);
    assertThat(stuck.error.getMessage()).contains("may have run");
    assertThat(gone).isEmpty();

    advance(Duration.ofSeconds(5)); // 10.3 s: given up
    assertThat(gone).containsExactly("silent");
    assertThat(table.node("silent")).isNull();
    assertThat(movable.completions).as("the moved call still waits for its new node").isZero();
  }

  @Test
  void heartbeatAfterSuspicion_trustsTheNodeAgain() {
    advance(Duration.ofMillis(1800));
    assertThat(silent.session().liveness().suspect()).isTrue();
    health.onHeartbeat(silent.session(), Heartbeat.getDefaultInstance());
    assertThat(silent.session().liveness().suspect()).isFalse();
    assertThat(silent.session().open()).isTrue();
  }

  @Test
  void gatewayStarved_givesUpNoCallInThatRound() {
    advance(Duration.ofMillis(1300)); // pinged
    fx.clock.jump(Duration.ofSeconds(5)); // this process did not run for 5 s: the timer fires late
    advance(Duration.ofMillis(400)); // the late check and the next ones, within half an interval of the stall
    assertThat(silent.session().liveness().suspect()).isTrue();
    assertThat(stuck.completions).as("no call is failed on silence that may be our own").isZero();
    assertThat(movableCall.node()).isSameAs(silent.session());

    advance(Duration.ofMillis(400)); // running normally for over half an interval, and still silent
    assertThat(stuck.code()).isEqualTo(ErrorCode.NODE_LOST);
    assertThat(movableCall.node()).isSameAs(alive.session());
  }

  @Test
  void gatewayStarvedPastTheNodeTimeout_givesUpNoNodeUntilItRanNormallyForHalfAnInterval() {
    advance(Duration.ofMillis(1300));
    fx.clock.jump(Duration.ofSeconds(12)); // this process stalled past the 10 s node timeout
    advance(Duration.ofMillis(400)); // within half an interval of the stall: silence that may be ours
    assertThat(gone).isEmpty();
    assertThat(table.node("alive")).as("a node that kept sending stays").isNotNull();

    advance(Duration.ofMillis(400)); // running normally for over half an interval, and still silent
    assertThat(gone).containsExactly("silent");
    assertThat(table.node("alive")).isNotNull();
  }

  @Test
  void nodeThatKeepsSendingFrames_isNeverSuspect() {
    for (int i = 0; i < 200; i++) { // 10 s
      silent.session().heard();
      advance(Duration.ofMillis(50));
    }
    assertThat(silent.session().liveness().suspect()).isFalse();
    assertThat(silent.frames().kinds()).doesNotContain(KindCase.PING, KindCase.CANCEL);
    assertThat(gone).isEmpty();
  }

  @Test
  void nodeWhoseEventLoopReadsNothing_isNotGivenUp_untilTheLoopRanAndItsPingStillWentUnanswered() throws Exception {
    DefaultEventLoop loop = new DefaultEventLoop();
    CountDownLatch release = new CountDownLatch(1);
    try {
      silent.session().readBy(loop);
      loop.execute(() -> CoreFixture.awaitQuietly(release, 30)); // one long turn (9,000 registrations at once): this node's frames wait unread
      advance(Duration.ofSeconds(11)); // past the 10 s node timeout
      assertThat(gone).as("silence that may be the loop's").isEmpty();
      assertThat(stuck.completions).isZero();
      assertThat(silent.session().liveness().suspect()).as("no new calls meanwhile").isTrue();

      release.countDown();
      loop.submit(() -> { }).get(5, TimeUnit.SECONDS);
      loop.schedule(() -> { }, 0, TimeUnit.NANOSECONDS).get(5, TimeUnit.SECONDS); // a turn later: the probe ran
      advance(Duration.ofMillis(300)); // the loop read, and still nothing from the node
      assertThat(gone).containsExactly("silent");
    } finally {
      release.countDown();
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void nodeWhoseEventLoopNeverRunsAgain_isGivenUpAfterThreeNodeTimeouts() {
    DefaultEventLoop loop = new DefaultEventLoop();
    CountDownLatch release = new CountDownLatch(1);
    try {
      silent.session().readBy(loop);
      loop.execute(() -> CoreFixture.awaitQuietly(release, 30)); // stuck
      advance(Duration.ofSeconds(29));
      assertThat(gone).isEmpty();
      advance(Duration.ofSeconds(2));
      assertThat(gone).containsExactly("silent");
      assertThat(table.node("alive")).isNotNull();
    } finally {
      release.countDown();
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void aStormOfSilentNodes_isLoggedAsFiveNodesByNameAndOneLineForTheRest() throws Exception {
    List<CoreFixture.FakeNode> more = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      CoreFixture.FakeNode node = fx.node(hello("quiet-" + i, 4, fn("once")), null);
      table.add(node.session(), (f, o, n) -> true, fx.clock.nanoTime());
      more.add(node);
    }
    String suspected = logged(() -> advance(Duration.ofMillis(1800))); // 21 nodes turn suspect in one check
    assertThat(suspected.lines().filter(l -> l.contains("did not answer a ping: no new calls until it is heard again"))).hasSize(5);
    assertThat(suspected).contains("16 more nodes were silent and did not answer a ping");

    String heard = logged(() -> {
      health.onHeartbeat(silent.session(), Heartbeat.getDefaultInstance());
      more.forEach(node -> health.onHeartbeat(node.session(), Heartbeat.getDefaultInstance()));
      advance(Duration.ofMillis(300));
    });
    assertThat(heard.lines().filter(l -> l.contains("' is heartbeating again"))).hasSize(5);
    assertThat(heard).contains("16 more nodes are heartbeating again");
    assertThat(more).allSatisfy(node -> assertThat(node.session().liveness().suspect()).isFalse());
  }

  /** What the gateway's log (slf4j-simple, on standard error) got while {@code action} ran. */
  private static String logged(Runnable action) {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(err);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
