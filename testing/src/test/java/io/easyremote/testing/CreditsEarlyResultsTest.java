package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.store.Ledger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code creditsSettleBeforeResult(false)}: paid results go out before their settlement is
 * committed, and the settlement still follows, exactly once per call.
 */
class CreditsEarlyResultsTest {
  static final String OWNER_TOKEN = "er_node-token-early-results-0123456789";
  static final String ALICE = "er_alice-key-early-results-0123456789ab";
  static final long PRICE = 100;

  /** Set by JUnit before the cluster starts (which reads it), deleted after the cluster has stopped. */
  @TempDir
  Path state;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).credits("operator", 0).creditsSettleBeforeResult(false).access(Access.builder()
          .nodeToken("farm", OWNER_TOKEN, List.of("*"), List.of("*"), "farm")
          .clientKey("alice", ALICE, List.of("*"), 0, 0)
          .build()))
      .node("farm-node", n -> n.token(OWNER_TOKEN).register(new CreditsTest.Paid()).price("work", PRICE, 0))
      .build();


  @Test
  void paidCalls_resultsGoOutAtOnce_andEachIsSettledOnceAfterwards() {
    Ledger ledger = cluster.gateway().ledger();
    ledger.mint("grant-alice", "alice", 1_000).join();
    try (Client alice = Client.builder().gateway(cluster.address()).apiKey(ALICE).deadline(Duration.ofSeconds(10)).build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(alice.call("work", Integer.class, i)).isEqualTo(2 * i);
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.statement("farm", 1).orElseThrow().earned() == 5 * PRICE);
    assertThat(ledger.statement("alice", 1).orElseThrow().spent()).isEqualTo(5 * PRICE);
    Ledger.Audit audit = ledger.audit();
    assertThat(audit.problems()).isEmpty();
    assertThat(audit.reserved()).isZero();
  }
}
