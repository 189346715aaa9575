package io.easyremote.gateway.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.util.EventLoopGroups;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Armeria stops an acceptor loop through {@code loop.parent().shutdownGracefully()}; ours then stops at once. */
class AcceptorLoopsTest {
  @Test
  void newGroup_stoppedTheWayArmeriaStopsIt_terminatesWithoutNettysQuietPeriod() {
    EventLoopGroup group = AcceptorLoops.newGroup("armeria-boss-test");
    group.next().submit(() -> { }).syncUninterruptibly(); // the loop's thread runs
    EventLoopGroup stoppedByArmeria = group.next().parent();

    long start = System.nanoTime();
    boolean terminated = stoppedByArmeria.shutdownGracefully().awaitUninterruptibly(5, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(stoppedByArmeria).isSameAs(group);
    assertThat(terminated).isTrue();
    assertThat(took).as("Netty's default quiet period is 2 s").isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void ioHandlerFactory_ofTheTransportArmeriaUsesHere_isFound() {
    assertThat(AcceptorLoops.ioHandlerFactory(Flags.transportType())).as("transport " + Flags.transportType()).isNotNull();
  }

  @Test
  void armeriasShutdownSettings_areNotWhatArmeriaStops_soTheyCannotShortenTheStop() {
    EventLoopGroup configured = EventLoopGroups.builder().numThreads(1).gracefulShutdown(Duration.ZERO, Duration.ZERO).build();
    try {
      assertThat(configured.next().parent()).as("the group Server.stop() shuts down").isNotSameAs(configured);
    } finally {
      configured.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }
}
