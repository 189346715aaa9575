package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Routing in a pool larger than the scheduler's sampling threshold: spread, and no free node missed. */
class LargePoolRoutingTest {
  private static final int NODES = 80; // the scheduler samples pools above 64 nodes

  private final CountDownLatch release = new CountDownLatch(1);

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .nodes(NODES, node -> node.maxConcurrency(1)
          .register("ping", String.class, s -> s)
          .register("hold", String.class, s -> {
            try {
              release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return s;
          }))
      .build();

  @Test
  void calls_spreadOverTheWholePool() {
    Set<String> servedBy = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      servedBy.add(cluster.client().callDetailed("ping", String.class, "x").nodeId());
    }
    assertThat(servedBy).as("distinct nodes serving 200 calls").hasSizeGreaterThan(NODES / 2);
  }

  @Test
  void allButOneNodeBusy_theNextCallStillFindsTheFreeOne() throws Exception {
    List<CompletableFuture<String>> holding = new ArrayList<>();
    for (int i = 0; i < NODES - 1; i++) {
      holding.add(cluster.client().callAsync("hold", String.class, "h" + i));
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.gateway().inFlightCalls() == NODES - 1);

    long start = System.nanoTime();
    assertThat(cluster.client().callDetailed("ping", String.class, "last").value()).isEqualTo("last");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("not queued behind a held call").isLessThan(2000);
    assertThat(cluster.gateway().queuedCalls()).isZero();

    release.countDown();
    for (CompletableFuture<String> call : holding) {
      assertThat(call.get(10, TimeUnit.SECONDS)).startsWith("h");
    }
  }
}
