package io.easyremote.gateway.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeLivenessTest {
  private final DefaultEventLoop loop = new DefaultEventLoop();
  private final FakeClock clock = new FakeClock();
  private final NodeLiveness liveness = new NodeLiveness(new ReentrantLock(), clock);

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void theLoopProbe_vouchesOnlyAfterTheLoopsNextTurn_notRightAfterTheTurnThatHeldIt() throws Exception {
    liveness.readBy(loop);
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> ran = new CopyOnWriteArrayList<>();
    loop.execute(() -> { // a long turn, like a caller's burst read in one go
      busy.countDown();
      CoreFixture.awaitQuietly(release, 5);
    });
    assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
    clock.forward(java.time.Duration.ofMillis(1_500));
    long pinged = clock.millis();
    liveness.probeLoop();
    loop.execute(() -> ran.add("work given to the loop after the probe, in the same turn")); // stands for the turn's pending reads
    loop.execute(() -> ran.add(liveness.loopRanSince(pinged) ? "probe already answered" : "probe not answered yet"));
    assertThat(liveness.loopRanSince(pinged)).isFalse();

    release.countDown();
    loop.submit(() -> { }).get(5, TimeUnit.SECONDS);
    loop.schedule(() -> { }, 0, TimeUnit.NANOSECONDS).get(5, TimeUnit.SECONDS); // a turn later

    assertThat(ran).containsExactly("work given to the loop after the probe, in the same turn", "probe not answered yet");
    assertThat(liveness.loopRanSince(pinged)).isTrue();
  }

  @Test
  void withoutAKnownLoop_theProbeAnswersAtOnce() {
    long now = clock.millis();
    liveness.probeLoop();
    assertThat(liveness.loopRanSince(now)).isTrue();
  }
}
