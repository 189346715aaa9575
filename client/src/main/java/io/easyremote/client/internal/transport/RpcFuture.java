package io.easyremote.client.internal.transport;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The future of one call to the gateway (a unary RPC, or a call on the call channel): cancelling
 * it cancels the call, so the gateway stops it on its node. Stages derived from it are plain
 * {@link CompletableFuture}s and do not propagate cancellation back.
 *
 * @param <T> the result type
 */
public final class RpcFuture<T> extends CompletableFuture<T> {
  private final AtomicReference<Runnable> canceller = new AtomicReference<>();

  /**
   * Attaches what cancels the running call, after what was attached before: a call on the call
   * channel that is sent again as {@code Gateway.Call} has both, attached from two threads in
   * either order, and a cancel must reach the one that runs. Runs it at once if this future was
   * cancelled first. Cancellers may run more than once.
   */
  void attach(Runnable cancel) {
    canceller.updateAndGet(before -> before == null ? cancel : () -> {
      before.run();
      cancel.run();
    });
    if (isCancelled()) {
      cancel.run();
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    Runnable cancel = canceller.get();
    if (cancelled && cancel != null) {
      cancel.run();
    }
    return cancelled;
  }

  /** A future already failed with {@code failure}. */
  public static <T> RpcFuture<T> failed(Throwable failure) {
    RpcFuture<T> f = new RpcFuture<>();
    f.completeExceptionally(failure);
    return f;
  }
}
