package io.easyremote.client.internal.transport;

import java.util.concurrent.CompletableFuture;

/**
 * The future of one call to the gateway (a unary RPC, or a call on the call channel): cancelling
 * it cancels the call, so the gateway stops it on its node. Stages derived from it are plain
 * {@link CompletableFuture}s and do not propagate cancellation back.
 *
 * @param <T> the result type
 */
public final class RpcFuture<T> extends CompletableFuture<T> {
  private volatile Runnable canceller;

  /** Attaches what cancels the running call; runs it at once if this future was cancelled first. */
  void attach(Runnable cancel) {
    this.canceller = cancel;
    if (isCancelled()) {
      cancel.run();
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    Runnable cancel = canceller;
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
