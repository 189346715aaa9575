package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.Access.Quota;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.store.Ledger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quotas and credits together: the quota is checked first (a call over it reserves nothing), and a
 * call the credits gate refuses is not counted against the quota.
 */
class QuotaCreditsTest {
  static final String OWNER_TOKEN = "er_node-token-quota-credits-0123456789";
  static final String ALICE = "er_alice-key-quota-credits-0123456789ab";
  static final long PRICE = 100;

  /** Set by JUnit before the cluster starts (which reads it), deleted after the cluster has stopped. */
  @TempDir
  Path state;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).credits("operator", 0).access(Access.builder()
          .nodeToken("farm", OWNER_TOKEN, List.of("*"), List.of("*"), "farm")
          .clientKey("alice", ALICE, List.of("*"), 0, 0)
          .quota("alice", new Quota(0, 0, 2, 0, 0)) // 2 calls a day
          .build()))
      .node("farm-node", n -> n.token(OWNER_TOKEN).register(new CreditsTest.Paid()).price("work", PRICE, 0))
      .build();

  @Test
  void creditsRefusals_notCounted_thenQuotaRefusesBeforeAnyReservation() {
    Ledger ledger = cluster.gateway().ledger();
    try (Client alice = Client.builder().gateway(cluster.address()).apiKey(ALICE).deadline(Duration.ofSeconds(5)).build()) {
      for (int i = 0; i < 3; i++) { // no credits yet: refused by the credits gate, not counted by the quota
        assertThatThrownBy(() -> alice.call("work", Integer.class, 1)).isInstanceOfSatisfying(RemoteException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_CREDITS));
      }
      ledger.mint("grant-alice", "alice", 1_000).join();
      assertThat(alice.call("work", Integer.class, 1)).isEqualTo(2);
      assertThat(alice.call("work", Integer.class, 2)).isEqualTo(4);
      await().atMost(Duration.ofSeconds(10)).until(() -> ledger.audit().reserved() == 0);
      long transfers = ledger.audit().transfers();
      assertThatThrownBy(() -> alice.call("work", Integer.class, 3)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
        assertThat(e.getMessage()).contains("2 calls per day");
      });
      assertThat(ledger.audit().transfers()).as("a call over its quota reserves nothing").isEqualTo(transfers);
      assertThat(ledger.statement("alice", 1).orElseThrow().spent()).isEqualTo(2 * PRICE);
      Ledger.Audit audit = ledger.audit();
      assertThat(audit.problems()).isEmpty();
      assertThat(audit.held()).isEqualTo(audit.minted());
    }
  }
}
