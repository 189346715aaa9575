package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.client.ResultStream;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: calls that arrive while no node offers their function yet (the registration grace
 * after a restart, before the nodes reconnect) have no price to reserve. They wait in the credits
 * gate and are admitted against the price of the nodes once these are back: a caller who cannot
 * pay is refused before any node runs the call, a stream included (its items are not held back,
 * so a stream admitted without a reservation would be delivered for nothing).
 */
class CreditsGraceTest {
  static final String OWNER_TOKEN = "er_node-token-grace-owner-0123456789ab";
  static final String ALICE = "er_alice-key-grace-0123456789abcdefghi";
  static final String BOB = "er_bob-key-grace-0123456789abcdefghijk";
  static final long PRICE = 1_000;

  static final AtomicInteger runs = new AtomicInteger();

  /** A paid stream and a paid plain function. */
  public static final class Reports {
    @Remote
    public Stream<Integer> report(int n) {
      runs.incrementAndGet();
      return IntStream.range(0, n).boxed();
    }

    @Remote
    public int work(int x) {
      runs.incrementAndGet();
      return x;
    }
  }

  @TempDir
  Path state;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).credits("operator", 0).registrationGrace(Duration.ofSeconds(30)).access(Access.builder()
          .nodeToken("report-box", OWNER_TOKEN, List.of("*"), List.of("*"), "owner")
          .clientKey("alice", ALICE, List.of("*"), 0, 0)
          .clientKey("bob", BOB, List.of("*"), 0, 0) // an account with nothing in it
          .build()))
      .build(); // no node yet: it connects after the calls arrive, as after a gateway restart

  @AfterEach
  void conservationHolds() {
    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.gateway().ledger().audit().reserved() == 0);
    assertThat(cluster.gateway().ledger().audit().problems()).isEmpty();
  }

  private Client client(String key) {
    return Client.builder().gateway(cluster.address()).apiKey(key).deadline(Duration.ofSeconds(20)).build();
  }

  private static CompletableFuture<List<Integer>> streamAsync(Client client, int n) {
    return CompletableFuture.supplyAsync(() -> {
      List<Integer> got = new ArrayList<>();
      try (ResultStream<Integer> items = client.stream("report", Integer.class, n)) {
        items.forEach(got::add);
      }
      return got;
    });
  }

  private static RemoteException failure(CompletableFuture<?> call) throws Exception {
    try {
      call.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RemoteException r) {
        return r;
      }
      throw e;
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void callerWhoCannotPay_isRefusedOnceTheNodesAreBack_beforeTheyRunAnything_streamsIncluded() throws Exception {
    runs.set(0);
    try (Client bob = client(BOB)) {
      CompletableFuture<List<Integer>> stream = streamAsync(bob, 100);
      CompletableFuture<Integer> plain = CompletableFuture.supplyAsync(() -> bob.call("work", Integer.class, 7));
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.gateway().queuedCalls() == 2); // both wait for a node
      cluster.startNode("reports", n -> n.token(OWNER_TOKEN).register(new Reports()).price("report", PRICE, 0).price("work", PRICE, 0));

      assertThat(failure(stream).code()).isEqualTo(ErrorCode.INSUFFICIENT_CREDITS);
      RemoteException refused = failure(plain);
      assertThat(refused.code()).isEqualTo(ErrorCode.INSUFFICIENT_CREDITS);
      assertThat(refused.reachedNode()).isFalse();
    }
    assertThat(runs.get()).as("calls the node ran").isZero();
    assertThat(cluster.gateway().ledger().statement("bob", 5).orElseThrow().spent()).isZero();
  }

  @Test
  void callerWhoCanPay_getsTheStreamOnceTheNodesAreBack_andPaysForIt() throws Exception {
    cluster.gateway().ledger().mint("grant-1", "alice", 5_000).join();
    try (Client alice = client(ALICE)) {
      CompletableFuture<List<Integer>> stream = streamAsync(alice, 100);
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.gateway().queuedCalls() == 1);
      cluster.startNode("reports", n -> n.token(OWNER_TOKEN).register(new Reports()).price("report", PRICE, 0).price("work", PRICE, 0));
      assertThat(stream.get(20, TimeUnit.SECONDS)).hasSize(100);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.gateway().ledger().statement("alice", 5).orElseThrow().spent() == PRICE);
  }
}
