package io.easyremote.client.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdempotentFunctionsTest {
  private final AtomicLong now = new AtomicLong();
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile CompletableFuture<Set<String>> next = CompletableFuture.completedFuture(Set.of("add"));

  private final IdempotentFunctions known = new IdempotentFunctions(limit -> {
    fetches.incrementAndGet();
    return next;
  }, now::get);

  @Test
  void fetchesLazily_thenRemembersForTheTtl() {
    assertThat(fetches.get()).isZero();
    assertThat(known.isIdempotent("add", Duration.ofSeconds(1)).join()).isTrue();
    assertThat(known.isIdempotent("mul", Duration.ofSeconds(1)).join()).isFalse();
    assertThat(fetches.get()).isOne();
    now.addAndGet(IdempotentFunctions.TTL.toNanos() + 1);
    next = CompletableFuture.completedFuture(Set.of("mul"));
    assertThat(known.isIdempotent("mul", Duration.ofSeconds(1)).join()).isTrue();
    assertThat(fetches.get()).isEqualTo(2);
  }

  @Test
  void concurrentQuestions_shareOneFetch() {
    next = new CompletableFuture<>();
    CompletableFuture<Boolean> a = known.isIdempotent("add", Duration.ofSeconds(1));
    CompletableFuture<Boolean> b = known.isIdempotent("mul", Duration.ofSeconds(1));
    next.complete(Set.of("add"));
    assertThat(a.join()).isTrue();
    assertThat(b.join()).isFalse();
    assertThat(fetches.get()).isOne();
  }

  @Test
  void failedFetch_answersNo_andIsNotRepeatedWithinASecond() {
    next = CompletableFuture.failedFuture(new IllegalStateException("down"));
    assertThat(known.isIdempotent("add", Duration.ofSeconds(1)).join()).isFalse();
    assertThat(known.isIdempotent("add", Duration.ofSeconds(1)).join()).isFalse();
    assertThat(fetches.get()).isOne();
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    next = CompletableFuture.completedFuture(Set.of("add"));
    assertThat(known.isIdempotent("add", Duration.ofSeconds(1)).join()).isTrue();
  }

  @Test
  void slowFetch_answersNoWithinTheTimeLeft() {
    next = new CompletableFuture<>();
    long start = System.nanoTime();
    assertThat(known.isIdempotent("add", Duration.ofMillis(100)).join()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void learnt_fromAFunctionListing() {
    known.learn(Set.of("echo"));
    assertThat(known.isIdempotent("echo", Duration.ofSeconds(1)).join()).isTrue();
    assertThat(fetches.get()).isZero();
  }
}
