package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.ListFunctionsReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ClientRetryTest {
  private static final RetryPolicy QUICK = RetryPolicy.builder().maxAttempts(3)
      .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();

  @RegisterExtension
  final FakeGatewayExtension fake = FakeGatewayExtension.withClient(b -> b.retry(QUICK));

  private FakeGateway gateway;
  private Client client;

  private static FakeGateway.CallHandler error(ErrorCode code, boolean reachedNode) {
    return FakeGateway.replyError(code, reachedNode, 0);
  }

  @Test
  void unavailableBeforeAnyNode_isRetried_andTheNextAttemptSucceeds() {
    gateway.onCall = FakeGateway.sequence(error(ErrorCode.UNAVAILABLE, false), FakeGateway.sum());
    assertThat(client.call("add", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(gateway.requests).hasSize(2);
    assertThat(gateway.lastRequest().getRetry().getMaxAttempts()).as("the policy travels for failover").isEqualTo(3);
    assertThat(gateway.lastRequest().getRetry().getRetryNonIdempotent()).isFalse();
    assertThat(client.stats()).isEqualTo(new ClientStats(1, 2, 1, 0));
    assertThat(client.withDeadline(Duration.ofSeconds(5)).stats()).as("copies share the counters").isEqualTo(client.stats());
  }

  @Test
  void withoutAPolicy_nothingIsRetried() throws Exception {
    gateway.onCall = FakeGateway.sequence(error(ErrorCode.UNAVAILABLE, false), FakeGateway.sum());
    try (Client plain = Client.connect(gateway.address())) {
      assertThatThrownBy(() -> plain.call("add", Integer.class, 1, 2))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
      assertThat(plain.stats()).isEqualTo(new ClientStats(1, 1, 0, 0));
      assertThat(gateway.lastRequest().hasRetry()).isFalse();
    }
  }

  @Test
  void policyInOptions_appliesToThatCopyOnly() {
    gateway.onCall = FakeGateway.sequence(error(ErrorCode.OVERLOADED, false), error(ErrorCode.OVERLOADED, false),
        FakeGateway.sum());
    Client once = client.withOptions(CallOptions.builder().retry(RetryPolicy.NONE).build());
    assertThatThrownBy(() -> once.call("add", Integer.class, 1, 2)).isInstanceOf(RemoteException.class);
    assertThat(client.call("add", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(gateway.requests).hasSize(3);
  }

  @Test
  void overloaded_waitsAtLeastTheRetryAfterHint() {
    gateway.onCall = FakeGateway.sequence(FakeGateway.replyError(ErrorCode.OVERLOADED, false, 300), FakeGateway.sum());
    assertThat(client.call("add", Integer.class, 1, 2)).isEqualTo(3);
    long waitedMillis = (gateway.arrivalNanos.get(1) - gateway.arrivalNanos.get(0)) / 1_000_000;
    assertThat(waitedMillis).isBetween(300L, 2_000L);
  }

  @Test
  void nodeLostAfterRunning_isNotRetried_unlessTheFunctionIsIdempotent() {
    gateway.onCall = error(ErrorCode.NODE_LOST, true);
    assertThatThrownBy(() -> client.call("charge", Integer.class, 10))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NODE_LOST));
    assertThat(gateway.requests).hasSize(1);
    assertThat(gateway.listFunctionsCalls.get()).as("asked once it mattered").isOne();

    gateway.functions = ListFunctionsReply.newBuilder().addFunctions(FunctionInfo.newBuilder()
        .setSpec(FunctionSpec.newBuilder().setName("lookup").setIdempotent(true))).build();
    client.functions(); // a listing refreshes what the client knows
    gateway.onCall = FakeGateway.sequence(error(ErrorCode.NODE_LOST, true), FakeGateway.sum());
    assertThat(client.call("lookup", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(gateway.requests).hasSize(3);

    gateway.onCall = FakeGateway.sequence(error(ErrorCode.UNAVAILABLE, true), FakeGateway.sum());
    assertThatThrownBy(() -> client.call("charge", Integer.class, 10)).isInstanceOf(RemoteException.class);
    assertThat(gateway.requests).hasSize(4);
    assertThat(gateway.listFunctionsCalls.get()).as("remembered, not asked again").isEqualTo(2);
  }

  @Test
  void idempotencyUnknownUntilNeeded_isLearntLazily() {
    gateway.functions = ListFunctionsReply.newBuilder().addFunctions(FunctionInfo.newBuilder()
        .setSpec(FunctionSpec.newBuilder().setName("lookup").setIdempotent(true))).build();
    gateway.onCall = FakeGateway.sequence(FakeGateway.sum(), error(ErrorCode.NODE_LOST, true), FakeGateway.sum());
    assertThat(client.call("lookup", Integer.class, 1, 1)).isEqualTo(2);
    assertThat(gateway.listFunctionsCalls.get()).as("nothing fetched while nothing failed").isZero();
    assertThat(client.call("lookup", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(gateway.listFunctionsCalls.get()).isOne();
  }

  @Test
  void nodeLostAfterRunning_isRetried_withRetryNonIdempotentOrAnIdempotencyKey() {
    gateway.onCall = FakeGateway.sequence(error(ErrorCode.NODE_LOST, true), FakeGateway.sum());
    Client bold = client.withOptions(CallOptions.builder()
        .retry(QUICK.toBuilder().retryNonIdempotent(true).build()).build());
    assertThat(bold.call("charge", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(gateway.lastRequest().getRetry().getRetryNonIdempotent()).isTrue();

    gateway.onCall = FakeGateway.sequence(error(ErrorCode.NODE_LOST, true), FakeGateway.sum());
    Client keyed = client.withOptions(CallOptions.builder().idempotencyKey("order-7").build());
    assertThat(keyed.call("charge", Integer.class, 2, 2)).isEqualTo(4);
    assertThat(gateway.requests).hasSize(4);
    assertThat(gateway.requests.get(2).getIdempotencyKey()).isEqualTo("order-7");
    assertThat(gateway.requests.get(3).getIdempotencyKey()).isEqualTo("order-7");
    assertThat(gateway.listFunctionsCalls.get()).isZero();
  }

  @ParameterizedTest
  @EnumSource(value = ErrorCode.class, names = {"FUNCTION_FAILED", "INVALID_ARGUMENTS", "INVALID_REQUEST",
      "FUNCTION_NOT_FOUND", "PAYLOAD_TOO_LARGE", "CANCELLED", "NO_NODE_AVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL",
      "UNAUTHENTICATED", "PERMISSION_DENIED"})
  void otherFailures_areNeverRetried(ErrorCode code) {
    gateway.onCall = FakeGateway.sequence(error(code, false), FakeGateway.sum());
    Client bold = client.withOptions(CallOptions.builder()
        .retry(QUICK.toBuilder().retryNonIdempotent(true).build()).build());
    assertThatThrownBy(() -> bold.call("f", Integer.class, 1))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(code));
    assertThat(gateway.requests).hasSize(1);
    assertThat(client.stats().retries()).isZero();
  }

  @Test
  void attemptsAreBoundedByMaxAttempts_andTheLastErrorIsThrown() {
    gateway.onCall = FakeGateway.replyError(ErrorCode.UNAVAILABLE, false, 0);
    assertThatThrownBy(() -> client.call("add", Integer.class, 1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
          assertThat(e.getMessage()).isEqualTo("UNAVAILABLE from the fake");
        });
    assertThat(gateway.requests).hasSize(3);
    assertThat(client.stats()).isEqualTo(new ClientStats(1, 3, 2, 0));
  }

  @Test
  void budget_keepsAnOutageFromMultiplyingTheLoad() {
    gateway.onCall = FakeGateway.replyError(ErrorCode.UNAVAILABLE, false, 0);
    RetryPolicy five = RetryPolicy.builder().maxAttempts(5).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build();
    try (Client hammer = Client.builder().gateway(gateway.address()).retry(five).build()) {
      long start = System.nanoTime();
      for (int i = 0; i < 200; i++) {
        assertThatThrownBy(() -> hammer.call("add", Integer.class, 1, 2)).isInstanceOf(RemoteException.class);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      ClientStats stats = hammer.stats();
      assertThat(stats.calls()).isEqualTo(200);
      assertThat(stats.attempts()).isEqualTo(stats.calls() + stats.retries()).isEqualTo(gateway.requests.size());
      assertThat(seconds).as("the window covers the whole run").isLessThan(10);
      // budgetRatio 0.2 of the calls plus the floor of 5 per second over the 10 s window, instead of 1000
      assertThat(stats.attempts()).isLessThanOrEqualTo(Math.round(200 * 1.2 + 5 * 10));
      assertThat(stats.retries()).isLessThanOrEqualTo(Math.round(200 * 0.2 + 5 * Math.ceil(seconds)));
      assertThat(stats.retriesDeniedByBudget()).isPositive();
    }
  }

  @Test
  void deadline_coversEveryAttempt_andNoRetryStartsAfterIt() {
    gateway.onCall = FakeGateway.replyError(ErrorCode.UNAVAILABLE, false, 0);
    RetryPolicy patient = RetryPolicy.builder().maxAttempts(100).backoff(Duration.ofMillis(100), Duration.ofMillis(100))
        .budget(1.0, 1000).build();
    Client hurried = client.withOptions(CallOptions.builder().retry(patient).deadline(Duration.ofMillis(600)).build());
    long start = System.nanoTime();
    // The last error, or DEADLINE_EXCEEDED when the deadline ran out during the last attempt (a
    // loaded machine can stretch an attempt that long); never a retry after the deadline.
    assertThatThrownBy(() -> hurried.call("add", Integer.class, 1, 2)).isInstanceOfSatisfying(RemoteException.class,
        e -> assertThat(e.code()).isIn(ErrorCode.UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(elapsedMillis).isLessThan(600 + 300);
    assertThat(gateway.requests.size()).isBetween(2, 60);
    assertThat(gateway.deadlinesMillis).allSatisfy(ms -> assertThat(ms).isBetween(0L, 600L));
    assertThat(gateway.deadlinesMillis.get(gateway.deadlinesMillis.size() - 1)).isLessThan(gateway.deadlinesMillis.get(0));
    // Every attempt carried the time left (checked above); one started just before the deadline
    // may reach the fake a little after it on a loaded machine, never a whole backoff later.
    for (long arrival : gateway.arrivalNanos) {
      assertThat((arrival - start) / 1_000_000).isLessThan(600 + 100);
    }
  }

  @Test
  void anAttemptRunningPastTheDeadline_failsWithDeadlineExceededNamingTheWholeDeadline() {
    gateway.onCall = FakeGateway.sequence(error(ErrorCode.UNAVAILABLE, false), FakeGateway.hang());
    Client hurried = client.withDeadline(Duration.ofMillis(500));
    assertThatThrownBy(() -> hurried.call("sleep", String.class))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
          assertThat(e.getMessage()).contains("500 ms");
        });
    assertThat(gateway.requests).hasSize(2);
  }

  @Test
  void asyncRetry_holdsNoThreadWhileWaiting_andCompletesLater() throws Exception {
    int calls = 20;
    RetryPolicy slow = RetryPolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(500), Duration.ofMillis(500))
        .budget(1.0, 1000).build();
    Set<String> firstAttempts = ConcurrentHashMap.newKeySet();
    CountDownLatch answerRetries = new CountDownLatch(1);
    // Retry after 3 s at the earliest (the backoff's jitter may pick 0, the hint is a floor): far
    // longer than failing 20 calls takes, so no retry has started (briefly holding the retry
    // thread in gRPC's start) when the threads are looked at, even on a loaded machine.
    FakeGateway.CallHandler overloaded = FakeGateway.replyError(ErrorCode.OVERLOADED, false, 3_000);
    FakeGateway.CallHandler sum = FakeGateway.sum();
    gateway.onCall = (request, out) -> {
      if (firstAttempts.add(request.getPayload().getData().toStringUtf8())) {
        overloaded.handle(request, out);
      } else {
        awaitQuietly(answerRetries); // the retries stay unanswered until the test has looked at the threads
        sum.handle(request, out);
      }
    };
    Client patient = client.withOptions(CallOptions.builder().retry(slow).build());

    List<CompletableFuture<Integer>> sums = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      sums.add(patient.callAsync("add", Integer.class, i, 1));
    }
    Awaitility.await("every call failed once and waits to retry").atMost(Duration.ofSeconds(5))
        .until(() -> client.stats().retries() == calls);

    List<String> waiting = threadsWaitingInClientCode();
    assertThat(gateway.requests).as("no retry was sent before the threads were looked at").hasSize(calls);
    assertThat(waiting).as("threads parked in client code while %d calls wait to retry", calls).isEmpty();
    assertThat(sums).noneMatch(CompletableFuture::isDone);
    answerRetries.countDown();
    for (int i = 0; i < calls; i++) {
      assertThat(sums.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(i + 1);
    }
    assertThat(gateway.requests).hasSize(2 * calls);
  }

  /**
   * Threads other than this one that wait (park, sleep, join) with a frame of the client library
   * on their stack: a client that held a thread per waiting call would show one per call.
   */
  private static List<String> threadsWaitingInClientCode() {
    List<String> waiting = new ArrayList<>();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      Thread.State state = thread.getState();
      if (thread == Thread.currentThread() || (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING)) {
        return;
      }
      for (StackTraceElement frame : stack) {
        if (isClientLibrary(frame.getClassName())) {
          waiting.add(thread.getName() + " at " + frame);
          return;
        }
      }
    });
    return waiting;
  }

  private static boolean isClientLibrary(String className) {
    return className.startsWith("io.easyremote.client.") && !className.startsWith(FakeGateway.class.getName())
        && !className.startsWith(ClientRetryTest.class.getName());
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void cancellingDuringBackoff_stopsTheRetries() throws Exception {
    RetryPolicy slow = RetryPolicy.builder().maxAttempts(5).backoff(Duration.ofMillis(300), Duration.ofMillis(300)).build();
    gateway.onCall = FakeGateway.replyError(ErrorCode.OVERLOADED, false, 300);
    CompletableFuture<Integer> sum = client.withOptions(CallOptions.builder().retry(slow).build())
        .callAsync("add", Integer.class, 1, 2);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.requests.size() == 1);
    assertThat(sum.cancel(true)).isTrue();
    Awaitility.await("no retry after the cancel, over more than the backoff").during(Duration.ofMillis(700))
        .atMost(Duration.ofSeconds(2)).until(() -> gateway.requests.size() == 1);
  }

  @Test
  void closingTheClient_failsCallsWaitingToRetry() {
    RetryPolicy slow = RetryPolicy.builder().maxAttempts(5).backoff(Duration.ofSeconds(2), Duration.ofSeconds(2)).build();
    gateway.onCall = FakeGateway.replyError(ErrorCode.OVERLOADED, false, 2_000);
    CompletableFuture<Integer> sum = client.withOptions(CallOptions.builder().retry(slow).build())
        .callAsync("add", Integer.class, 1, 2);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> client.stats().retries() == 1);
    client.close();
    assertThatThrownBy(() -> sum.get(2, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
          assertThat(e.getMessage()).contains("closed").contains("'add'").contains("retries were abandoned")
              .contains("OVERLOADED from the fake");
          assertThat(e.reachedNode()).as("no attempt reached a node").isFalse();
        });
    assertThat(gateway.requests).hasSize(1);
  }

  @Test
  void retryPolicy_builderRejectsBadValues_andHasValueSemantics() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be 1 to 100: 0");
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialBackoff must be > 0: PT0S");
    assertThatThrownBy(() -> RetryPolicy.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("initialBackoff must not exceed maxBackoff");
    assertThatThrownBy(() -> RetryPolicy.builder().maxBackoff(Duration.ofMillis(10)).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SlidingWindowRetryBudget(-0.1, Duration.ofSeconds(10), 5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry budget ratio must be 0 to 10: -0.1");
    assertThatThrownBy(() -> new SlidingWindowRetryBudget(0.2, Duration.ofMillis(10), 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SlidingWindowRetryBudget(0.2, Duration.ofSeconds(10), -1)).isInstanceOf(IllegalArgumentException.class);
    RetryPolicy defaults = RetryPolicy.builder().build();
    assertThat(defaults.maxAttempts()).isEqualTo(3);
    assertThat(defaults.initialBackoff()).isEqualTo(Duration.ofMillis(50));
    assertThat(defaults.maxBackoff()).isEqualTo(Duration.ofSeconds(2));
    assertThat(defaults.retryNonIdempotent()).isFalse();
    assertThat(defaults.budget()).isEqualTo(new SlidingWindowRetryBudget(0.2, Duration.ofSeconds(10), 5));
    assertThat(defaults.toBuilder().build()).isEqualTo(defaults).hasSameHashCodeAs(defaults);
    assertThat(RetryPolicy.NONE.maxAttempts()).isOne();
    assertThat(defaults.toBuilder().budget(0.5, 1).build().budget().window()).isEqualTo(Duration.ofSeconds(10));
  }
}
