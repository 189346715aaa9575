package io.easyremote.gateway.internal.credits;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.gateway.Access;
import io.easyremote.gateway.Access.Quota;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quota counters with a hand-driven clock: refused at the limit, and free again when the window turns. */
class QuotasTest {
  private final AtomicLong now = new AtomicLong(1_767_225_600_000L + 10_000); // 10 s into a UTC day (and minute)

  private Quotas quotas(String account, Quota quota) {
    return new Quotas(Access.builder().quota(account, quota).build(), now::get);
  }

  @Test
  void callsPerMinute_overTheLimit_refusedUntilTheMinuteTurns() {
    Quotas q = quotas("alice", new Quota(0, 3, 0, 0, 0));
    for (int i = 0; i < 3; i++) {
      assertThat(q.startCall("alice")).isNull();
    }
    Quotas.Refusal refusal = q.startCall("alice");
    assertThat(refusal).isNotNull();
    assertThat(refusal.quota()).isEqualTo("callsPerMinute");
    assertThat(refusal.limit()).isEqualTo(3);
    assertThat(refusal.retryAfterMillis()).isEqualTo(50_000); // the minute ends 50 s later
    now.addAndGet(49_999);
    assertThat(q.startCall("alice")).isNotNull();
    now.addAndGet(1);
    assertThat(q.startCall("alice")).isNull();
  }

  @Test
  void refusedCall_isNotCounted_andARefundFreesASlot() {
    Quotas q = quotas("alice", new Quota(2, 0, 0, 0, 0));
    assertThat(q.startCall("alice")).isNull();
    assertThat(q.startCall("alice")).isNull();
    assertThat(q.startCall("alice")).isNotNull();
    assertThat(q.startCall("alice")).isNotNull(); // refusals count nothing
    q.refundCall("alice");                         // e.g. then refused for credits
    assertThat(q.startCall("alice")).isNull();
    assertThat(q.startCall("alice").retryAfterMillis()).isEqualTo(1_000);
  }

  @Test
  void callsPerDay_andOtherAccounts_areCountedApart() {
    Quotas q = new Quotas(Access.builder().quota("alice", new Quota(0, 0, 1, 0, 0)).build(), now::get);
    assertThat(q.startCall("alice")).isNull();
    assertThat(q.startCall("alice").quota()).isEqualTo("callsPerDay");
    assertThat(q.startCall("bob")).isNull();  // no quota
    assertThat(q.startCall(null)).isNull();   // anonymous: no account, no quota
    now.addAndGet(Quotas.DAY - 10_000);       // the next UTC day
    assertThat(q.startCall("alice")).isNull();
  }

  @Test
  void executionSecondsPerDay_spent_refusesTheNextCallUntilTomorrow() {
    Quotas q = quotas("alice", new Quota(0, 0, 0, 2, 0));
    assertThat(q.startCall("alice")).isNull();
    q.ran("alice", "carol", 1_500);
    assertThat(q.startCall("alice")).isNull();   // 1.5 s of 2 used: still allowed
    q.ran("alice", "carol", 600);
    Quotas.Refusal refusal = q.startCall("alice");
    assertThat(refusal.quota()).isEqualTo("executionSecondsPerDay");
    assertThat(refusal.retryAfterMillis()).isEqualTo(Quotas.DAY - 10_000);
    now.addAndGet(Quotas.DAY);
    assertThat(q.startCall("alice")).isNull();
  }

  @Test
  void servesOthersSecondsPerDay_countsOnlyOtherAccounts_andRecoversNextDay() {
    Quotas q = quotas("carol", new Quota(0, 0, 0, 0, 3));
    q.ran("carol", "carol", 10_000);             // carol's own calls on her nodes: not serving others
    assertThat(q.serving("carol")).isNull();
    q.ran("alice", "carol", 2_999);
    assertThat(q.serving("carol")).isNull();
    q.ran("bob", "carol", 1);
    assertThat(q.serving("carol").quota()).isEqualTo("servesOthersSecondsPerDay");
    now.addAndGet(Quotas.DAY - 10_000);
    assertThat(q.serving("carol")).isNull();
  }

  @Test
  void quotas_fromYaml_parsed_andNegativeRefused(@TempDir Path dir) throws IOException {
    Path ok = dir.resolve("gateway.yaml");
    Files.writeString(ok, """
        quotas:
          alice: {callsPerMinute: 60, callsPerDay: 1000, executionSecondsPerDay: 3600}
          carol: {servesOthersSecondsPerDay: 7200}
        """);
    Access access = Access.fromYaml(ok);
    assertThat(access.quota("alice")).isEqualTo(new Quota(0, 60, 1000, 3600, 0));
    assertThat(access.quota("carol").servesOthersSecondsPerDay()).isEqualTo(7200);
    assertThat(access.hasQuotas()).isTrue();
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "quotas:\n  alice: {callsPerMinute: -1}\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Access.fromYaml(bad)).isInstanceOf(IOException.class)
        .hasMessageContaining("quotas must be 0 (no limit) or positive");
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, "quotas:\n  alice: {callsPerMinut: 1}\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Access.fromYaml(typo)).isInstanceOf(IOException.class)
        .hasMessageContaining("callsPerMinut");
    Path system = dir.resolve("system.yaml");
    Files.writeString(system, "quotas:\n  mint: {callsPerMinute: 1}\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Access.fromYaml(system)).isInstanceOf(IOException.class)
        .hasMessageContaining("system account");
  }
}
