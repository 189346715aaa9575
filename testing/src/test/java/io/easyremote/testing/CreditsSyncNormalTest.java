package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.store.Ledger;
import io.easyremote.store.SyncMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Gateway.builder().stateSync(SyncMode.NORMAL)}: the option reaches the ledger's SQLite
 * connections ({@code synchronous=NORMAL}), and paid results still wait for their charge, each
 * call charged once.
 */
class CreditsSyncNormalTest {
  static final String OWNER_TOKEN = "sn_node-token-sync-normal-0123456789ab";
  static final String ALICE = "sn_alice-key-sync-normal-0123456789abcd";
  static final long PRICE = 100;

  /** Set by JUnit before the cluster starts (which reads it), deleted after the cluster has stopped. */
  @TempDir
  Path state;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).stateSync(SyncMode.NORMAL).credits("operator", 1_000).access(Access.builder()
          .nodeToken("farm", OWNER_TOKEN, List.of("*"), List.of("*"), "farm")
          .clientKey("alice", ALICE, List.of("*"), 0, 0)
          .build()))
      .node("farm-node", n -> n.token(OWNER_TOKEN).register(new CreditsTest.Paid()).price("work", PRICE, 0))
      .build();


  @Test
  void stateSyncNormal_reachesTheStore_andPaidResultsFollowTheirCharge() {
    Ledger ledger = cluster.gateway().ledger();
    assertThat(ledger.store().sync()).isEqualTo(SyncMode.NORMAL);
    String synchronous = ledger.store().writeNow(c -> {
      try (var s = c.createStatement(); var r = s.executeQuery("PRAGMA synchronous")) {
        r.next();
        return r.getString(1);
      }
    });
    assertThat(synchronous).as("PRAGMA synchronous on the writer's connection (1 = NORMAL)").isEqualTo("1");
    ledger.mint("grant-alice", "alice", 1_000).join();
    try (Client alice = Client.builder().gateway(cluster.address()).apiKey(ALICE).deadline(Duration.ofSeconds(10)).build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(alice.call("work", Integer.class, i)).isEqualTo(2 * i);
        // The result waited for its charge: the ledger holds it by the time the caller has it.
        assertThat(ledger.statement("alice", 1).orElseThrow().spent()).isEqualTo((i + 1) * PRICE);
      }
    }
    assertThat(ledger.statement("farm", 1).orElseThrow().earned()).isEqualTo(5 * (PRICE - 10));
    Ledger.Audit audit = ledger.audit();
    assertThat(audit.problems()).isEmpty();
    assertThat(audit.reserved()).isZero();
  }
}
