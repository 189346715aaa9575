package io.easyremote.client.internal.transport;

import io.grpc.stub.ClientCallStreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * The future of one unary RPC: cancelling it cancels the RPC, so the gateway stops the call on its
 * node. Stages derived from it are plain {@link CompletableFuture}s and do not propagate
 * cancellation back.
 *
 * @param <T> the result type
 */
public final class RpcFuture<T> extends CompletableFuture<T> {
  private volatile ClientCallStreamObserver<?> call;

  /** Attaches the running RPC; cancels it at once if this future was cancelled first. */
  void attach(ClientCallStreamObserver<?> rpc) {
    this.call = rpc;
    if (isCancelled()) {
      rpc.cancel("The caller cancelled the call.", null);
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    ClientCallStreamObserver<?> rpc = call;
    if (cancelled && rpc != null) {
      rpc.cancel("The caller cancelled the call.", null);
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
