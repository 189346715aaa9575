package io.easyremote.client.internal.call;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/** Waits for a call on the caller's thread, the way every synchronous client method does. */
public final class Await {
  private Await() {}

  /**
   * The value of {@code future}, which the caller owns alone.
   *
   * <p>A failure is rethrown as the {@link RemoteException} itself, its stack trace replaced by the
   * caller's: the exception was built on a gRPC callback thread, whose stack says nothing useful.
   * An interrupt cancels the call, keeps the thread's interrupt flag and throws
   * {@link ErrorCode#CANCELLED}.
   *
   * @param what what is being waited for, for messages: {@code 'add'} or {@code ListNodes}
   */
  public static <T> T result(CompletableFuture<T> future, String what) {
    return result(future, what, null);
  }

  /**
   * Makes a blocking call: {@code start} begins it on a copy of {@code invoker} whose callbacks
   * run on this thread while it waits (see {@link WaitingThreadExecutor}); then as
   * {@link #result(CompletableFuture, String)}.
   */
  public static <T> T blocking(Invoker invoker, String what, Function<Invoker, CompletableFuture<T>> start) {
    checkNotInterrupted(what);
    WaitingThreadExecutor callbacks = new WaitingThreadExecutor();
    return result(start.apply(invoker.withCallbacksOn(callbacks)), what, callbacks);
  }

  private static <T> T result(CompletableFuture<T> future, String what, WaitingThreadExecutor callbacks) {
    try {
      if (callbacks != null) {
        callbacks.await(future);
      }
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RemoteException remote) {
        remote.fillInStackTrace();
        throw remote;
      }
      throw new RemoteException(ErrorCode.INTERNAL, what + " failed unexpectedly: " + cause, true, 0, null, cause);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new RemoteException(ErrorCode.CANCELLED,
          "Interrupted while waiting for " + what + "; the call was cancelled.", true, 0, null, e);
    } catch (CancellationException e) {
      throw new RemoteException(ErrorCode.CANCELLED, what + " was cancelled.", true, 0, null, e);
    }
  }

  /** Fails at once, without sending anything, when the calling thread is already interrupted. */
  public static void checkNotInterrupted(String what) {
    if (Thread.currentThread().isInterrupted()) {
      throw new RemoteException(ErrorCode.CANCELLED,
          "The calling thread is interrupted; " + what + " was not sent.");
    }
  }
}
