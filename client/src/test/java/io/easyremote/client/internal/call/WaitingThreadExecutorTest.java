package io.easyremote.client.internal.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WaitingThreadExecutorTest {
  private final ScheduledExecutorService other = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    other.shutdownNow();
  }

  @Test
  void await_runsCallbacksOnTheWaitingThread() throws Exception {
    WaitingThreadExecutor callbacks = new WaitingThreadExecutor();
    CompletableFuture<String> future = new CompletableFuture<>();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    other.schedule(() -> callbacks.execute(() -> {
      ranOn.set(Thread.currentThread());
      future.complete("done");
    }), 20, TimeUnit.MILLISECONDS);

    callbacks.await(future);

    assertThat(future).isCompletedWithValue("done");
    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
  }

  @Test
  void await_returnsWhenAnotherThreadCompletesTheFuture() throws Exception {
    WaitingThreadExecutor callbacks = new WaitingThreadExecutor();
    CompletableFuture<String> future = new CompletableFuture<>();
    other.schedule(() -> future.complete("from a timer"), 20, TimeUnit.MILLISECONDS);

    callbacks.await(future);

    assertThat(future).isCompletedWithValue("from a timer");
  }

  @Test
  void execute_afterTheWaiterLeft_runsTheTaskWhereItIsSubmitted() throws Exception {
    WaitingThreadExecutor callbacks = new WaitingThreadExecutor();
    callbacks.await(CompletableFuture.completedFuture("done"));
    CountDownLatch ran = new CountDownLatch(1);
    AtomicReference<Thread> ranOn = new AtomicReference<>();

    other.execute(() -> callbacks.execute(() -> {
      ranOn.set(Thread.currentThread());
      ran.countDown();
    }));

    assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(ranOn.get()).isNotSameAs(Thread.currentThread());
  }

  @Test
  void await_whenInterrupted_throwsAndKeepsTheFutureOpen() {
    WaitingThreadExecutor callbacks = new WaitingThreadExecutor();
    CompletableFuture<String> never = new CompletableFuture<>();
    Thread waiter = Thread.currentThread();
    other.schedule(waiter::interrupt, 20, TimeUnit.MILLISECONDS);

    assertThatThrownBy(() -> callbacks.await(never)).isInstanceOf(InterruptedException.class);
    assertThat(never).isNotDone();
  }
}
