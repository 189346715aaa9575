package io.easyremote.gateway.internal.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

class RecentCallsTest {
  private static CallRecord call(long id, ErrorCode error) {
    return new CallRecord(id, "f" + id, error == ErrorCode.FUNCTION_NOT_FOUND ? null : "n1", "caller", error, 1_000_000, 2_500_000,
        false, 0);
  }

  @Test
  void keepsTheNewestCallsFirst_upToCapacity() {
    RecentCalls recent = new RecentCalls();
    for (long i = 1; i <= RecentCalls.CAPACITY + 50; i++) {
      recent.onCompleted(call(i, i % 2 == 0 ? null : ErrorCode.FUNCTION_FAILED));
    }
    ArrayNode all = recent.toJson(Integer.MAX_VALUE);
    assertThat(all).hasSize(RecentCalls.CAPACITY);
    assertThat(all.get(0).get("function").asText()).isEqualTo("f250");
    assertThat(all.get(0).get("outcome").asText()).isEqualTo("ok");
    assertThat(all.get(0).get("fault").asText()).isEqualTo("none");
    assertThat(all.get(1).get("outcome").asText()).isEqualTo("function_failed");
    assertThat(all.get(1).get("fault").asText()).isEqualTo("node");
    assertThat(all.get(0).get("millis").asDouble()).isEqualTo(2.5);
    assertThat(all.get(RecentCalls.CAPACITY - 1).get("function").asText()).isEqualTo("f51");
    assertThat(recent.toJson(3)).hasSize(3);
    assertThat(all.get(0).has("caller")).as("caller identities stay off the unauthenticated dashboard").isFalse();
  }

  @Test
  void functionStats_countOnlyCallsThatReachedANode() {
    FunctionStats stats = new FunctionStats();
    stats.onCompleted(call(1, ErrorCode.FUNCTION_NOT_FOUND));
    for (int i = 1; i <= 100; i++) {
      stats.onCompleted(new CallRecord(i, "add", "n1", "c", i == 100 ? ErrorCode.FUNCTION_FAILED : null, 0, i * 1_000_000L, false, 0));
    }
    assertThat(stats.of("f1")).isEqualTo(FunctionStats.Figures.NONE);
    FunctionStats.Figures add = stats.of("add");
    assertThat(add.calls()).isEqualTo(100);
    assertThat(add.failed()).isEqualTo(1);
    assertThat(add.p50Millis()).isEqualTo(50.0);
    assertThat(add.p95Millis()).isEqualTo(95.0);
    stats.retainOnly(java.util.List.of("echo"));
    assertThat(stats.of("add")).isEqualTo(FunctionStats.Figures.NONE);
  }
}
