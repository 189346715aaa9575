package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.Client;
import io.easyremote.client.RetryPolicy;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: when the credits ledger cannot charge a paid call that ran (the store failed: a full
 * disk, a database gone), its result is withheld, and the error says the call reached its node: a
 * client that retries what never ran does not run a function that is not idempotent again.
 */
class CreditsLedgerFailureTest {
  static final String OWNER_TOKEN = "er_node-token-ledger-failure-0123456789";
  static final String ALICE = "er_alice-key-ledger-failure-0123456789ab";

  static final AtomicInteger runs = new AtomicInteger();

  /** A paid function that is not idempotent (say it sends an e-mail). */
  public static final class Mailer {
    @Remote
    public int sendMail(int x) {
      runs.incrementAndGet();
      return x;
    }
  }

  @TempDir
  Path state;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).credits("operator", 0).access(Access.builder()
          .nodeToken("mail-box", OWNER_TOKEN, List.of("*"), List.of("*"), "owner")
          .clientKey("alice", ALICE, List.of("*"), 0, 0)
          .build()))
      .node("mailer", n -> n.token(OWNER_TOKEN).register(new Mailer()).price("sendMail", 100, 0))
      .build();

  @Test
  void chargeThatCannotBeWritten_withholdsTheResult_andSaysTheCallRan_soARetryingClientDoesNotRunItAgain() {
    cluster.gateway().ledger().mint("grant-1", "alice", 1_000).join();
    try (Client alice = Client.builder().gateway(cluster.address()).apiKey(ALICE).deadline(Duration.ofSeconds(10))
        .retry(RetryPolicy.builder().maxAttempts(3).build()).build()) {
      assertThat(alice.call("sendMail", Integer.class, 1)).isEqualTo(1); // the gateway rereads her balance here
      runs.set(0);
      cluster.gateway().ledger().store().close(); // every write fails from now on

      assertThatThrownBy(() -> alice.call("sendMail", Integer.class, 2))
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.reachedNode()).as("it ran on the node").isTrue();
            assertThat(e.nodeId()).isEqualTo("mailer");
          });
    }
    assertThat(runs.get()).as("runs of a function that is not idempotent, called once by a client that retries").isEqualTo(1);
  }
}
