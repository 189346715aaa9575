package io.easyremote.client.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.RetryPolicy;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RetryRulesTest {
  @ParameterizedTest
  @CsvSource({
      "UNAVAILABLE, false, SAFE",
      "OVERLOADED, false, SAFE",
      "NODE_LOST, false, SAFE",
      "UNAVAILABLE, true, IF_IDEMPOTENT",
      "NODE_LOST, true, IF_IDEMPOTENT",
      "OVERLOADED, true, NEVER",
      "FUNCTION_FAILED, true, NEVER",
      "INVALID_ARGUMENTS, false, NEVER",
      "INVALID_REQUEST, false, NEVER",
      "FUNCTION_NOT_FOUND, false, NEVER",
      "NO_NODE_AVAILABLE, false, NEVER",
      "PAYLOAD_TOO_LARGE, false, NEVER",
      "DEADLINE_EXCEEDED, true, NEVER",
      "DEADLINE_EXCEEDED, false, NEVER",
      "CANCELLED, false, NEVER",
      "UNAUTHENTICATED, false, NEVER",
      "PERMISSION_DENIED, false, NEVER",
      "INTERNAL, false, NEVER",
  })
  void classify(ErrorCode code, boolean reachedNode, RetryRules.Verdict expected) {
    assertThat(RetryRules.classify(new RemoteException(code, "x", reachedNode, 0, null, null))).isEqualTo(expected);
  }

  @Test
  void backoff_isFullJitterUnderADoublingCeiling_andHonoursRetryAfter() {
    RetryPolicy policy = RetryPolicy.builder().backoff(Duration.ofMillis(50), Duration.ofMillis(300)).build();
    RemoteException plain = new RemoteException(ErrorCode.UNAVAILABLE, "x");
    long max1 = 0;
    long max4 = 0;
    for (int i = 0; i < 2_000; i++) {
      long first = RetryRules.backoffNanos(policy, 1, plain);
      long fourth = RetryRules.backoffNanos(policy, 4, plain);
      assertThat(first).isBetween(0L, 50_000_000L);
      assertThat(fourth).isBetween(0L, 300_000_000L);
      max1 = Math.max(max1, first);
      max4 = Math.max(max4, fourth);
    }
    assertThat(max1).isGreaterThan(40_000_000L);
    assertThat(max4).as("capped at maxBackoff, not 400 ms").isGreaterThan(250_000_000L);
    assertThat(RetryRules.backoffNanos(policy, 99, plain)).isLessThanOrEqualTo(300_000_000L);
    RemoteException overloaded = new RemoteException(ErrorCode.OVERLOADED, "x", false, 700, null, null);
    assertThat(RetryRules.backoffNanos(policy, 1, overloaded)).isEqualTo(700_000_000L);
  }
}
