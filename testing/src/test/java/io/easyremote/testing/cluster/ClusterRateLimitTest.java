package io.easyremote.testing.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A client key's rate is shared by the gateways of a cluster: a caller hammering two gateways with
 * the same key gets about the key's rate in all, not the rate on each gateway.
 * Soak: it runs 10 s of calls (its bounds need a few report intervals to mean something).
 */
@Tag("soak")
class ClusterRateLimitTest {
  private static final String TOKEN = "node-token-0123456789abcdef";
  private static final String KEY = "client-key-0123456789abcdef";
  private static final double RATE = 10;

  private TwoGateways cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private Gateway gateway(String id) {
    Gateway g = cluster.gateway(id, Access.builder()
        .nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
        .clientKey("hammer", KEY, List.of("*"), RATE, 0)
        .build());
    cluster.add(ComputeNode.builder().gateway(g.address()).token(TOKEN).id(id + "-node").maxConcurrency(16)
        .register("ping", String.class, s -> s).build().start());
    return g;
  }

  @Test
  void oneKey_hammeringTwoGateways_getsAboutItsRateInAll_notTwice() throws Exception {
    cluster = new TwoGateways();
    Gateway a = gateway("gw-a");
    Gateway b = gateway("gw-b");
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    long seconds = 10;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> callers = new ArrayList<>();
    for (Gateway g : List.of(a, b)) {
      Client client = cluster.add(Client.builder().gateway(g.address()).apiKey(KEY).deadline(Duration.ofSeconds(5)).build());
      for (int i = 0; i < 2; i++) {
        Thread caller = new Thread(() -> {
          while (System.nanoTime() < until) {
            try {
              client.call("ping", String.class, "x");
              admitted.incrementAndGet();
            } catch (RemoteException e) {
              assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED);
              refused.incrementAndGet();
            }
          }
        });
        caller.start();
        callers.add(caller);
      }
    }
    for (Thread t : callers) {
      t.join();
    }
    // Alone, each gateway would admit RATE per second plus a burst of RATE: 2 x (10 x 10 + 10) = 220 (2.2 x the rate).
    // Shared, the two admit about RATE per second in all, plus the bursts and the seconds before they
    // have settled on half each: about 10 x 10 + 2 x 10 + 20 = 140 (1.4 x).
    System.out.printf("admitted %d, refused %d in %d s through two gateways (rate %.0f/s per key)%n", admitted.get(), refused.get(),
        seconds, RATE);
    assertThat(refused.get()).as("the callers asked for more than the rate").isGreaterThan(admitted.get());
    assertThat(admitted.get()).as("calls admitted in %d s", seconds).isBetween((int) (RATE * seconds * 0.7), (int) (RATE * seconds * 1.75));
  }
}
