package io.easyremote.client.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RpcFutureTest {
  @Test
  void cancel_reachesEveryAttachedCall_whateverTheOrderTheyWereAttachedIn() {
    // A call on the call channel sent again as Gateway.Call: the unary call's canceller can be
    // attached before the channel's own (two threads); the cancel must still reach the unary call.
    AtomicInteger unary = new AtomicInteger();
    AtomicInteger channel = new AtomicInteger();
    RpcFuture<String> future = new RpcFuture<>();
    future.attach(unary::incrementAndGet);
    future.attach(channel::incrementAndGet);

    assertThat(future.cancel(true)).isTrue();

    assertThat(unary).as("the call that runs was cancelled").hasValue(1);
    assertThat(channel).hasValue(1);
  }

  @Test
  void attach_afterTheCancel_cancelsAtOnce() {
    AtomicInteger cancelled = new AtomicInteger();
    RpcFuture<String> future = new RpcFuture<>();
    future.cancel(true);

    future.attach(cancelled::incrementAndGet);

    assertThat(cancelled).hasValue(1);
  }

  @Test
  void completedFuture_cancelsNothing() {
    AtomicInteger cancelled = new AtomicInteger();
    RpcFuture<String> future = new RpcFuture<>();
    future.attach(cancelled::incrementAndGet);
    future.complete("done");

    assertThat(future.cancel(true)).isFalse();
    assertThat(cancelled).hasValue(0);
  }
}
