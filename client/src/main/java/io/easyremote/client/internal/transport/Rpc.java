package io.easyremote.client.internal.transport;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Starts unary RPCs on a {@link GatewayChannel}, each with a deadline, completing an {@link RpcFuture}. */
public final class Rpc {
  private Rpc() {}

  /**
   * Starts {@code method} with {@code request} and a deadline of {@code deadline} from now.
   *
   * @param what what is being done, for error messages: {@code 'add'} or {@code ListNodes}
   * @param onReply turns the reply into the future's value; may throw a {@link RemoteException}
   * @param onStatus maps a failed status first; returns null to fall back to the standard table
   * @return a future completed on a gRPC callback thread with the value or a {@link RemoteException}
   */
  public static <Q, R, T> RpcFuture<T> unary(
      GatewayChannel gateway,
      MethodDescriptor<Q, R> method,
      Q request,
      Duration deadline,
      String what,
      Function<R, T> onReply,
      Function<io.grpc.Status, RemoteException> onStatus) {
    return unary(gateway, method, request, deadline, what, onReply, onStatus, false);
  }

  /**
   * As above; with {@code waitForReady} the RPC waits (within its deadline) for the channel to
   * reconnect instead of failing at once while the gateway is unreachable — what a retry after
   * {@code UNAVAILABLE} wants.
   */
  public static <Q, R, T> RpcFuture<T> unary(
      GatewayChannel gateway,
      MethodDescriptor<Q, R> method,
      Q request,
      Duration deadline,
      String what,
      Function<R, T> onReply,
      Function<io.grpc.Status, RemoteException> onStatus,
      boolean waitForReady) {
    return unary(gateway, method, request, deadline, deadline, what, onReply, onStatus, waitForReady, null);
  }

  /**
   * As above, for one attempt of a longer call: the RPC runs with {@code timeLeft}, while a
   * deadline failure names the whole call's {@code deadline}; its callbacks run on
   * {@code callbacks} (null: the channel's executor).
   */
  public static <Q, R, T> RpcFuture<T> unary(
      GatewayChannel gateway,
      MethodDescriptor<Q, R> method,
      Q request,
      Duration timeLeft,
      Duration deadline,
      String what,
      Function<R, T> onReply,
      Function<io.grpc.Status, RemoteException> onStatus,
      boolean waitForReady,
      Executor callbacks) {
    RpcFuture<T> future = new RpcFuture<>();
    if (gateway.isClosed()) {
      future.completeExceptionally(new RemoteException(ErrorCode.CANCELLED,
          "The client for gateway " + gateway.address() + " is closed; " + what + " was not sent."));
      return future;
    }
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(timeLeft.toNanos(), TimeUnit.NANOSECONDS);
    if (waitForReady) {
      options = options.withWaitForReady();
    }
    if (callbacks != null) {
      options = options.withExecutor(callbacks);
    }
    try {
      ClientCalls.asyncUnaryCall(gateway.channel().newCall(method, options), request, observer(gateway, deadline, what,
          future, onReply, onStatus));
    } catch (RuntimeException e) {
      // The stub cancels the call itself; only the future is left to complete.
      future.completeExceptionally(StatusErrors.toException(gateway, what, deadline, e));
    }
    return future;
  }

  /** Completes {@code future} with what {@code onReply} makes of {@code reply}, or with its failure. */
  static <R, T> void complete(RpcFuture<T> future, Function<R, T> onReply, R reply, String what) {
    try {
      future.complete(onReply.apply(reply));
    } catch (RemoteException e) {
      future.completeExceptionally(e);
    } catch (RuntimeException e) {
      future.completeExceptionally(new RemoteException(ErrorCode.INTERNAL,
          "Reading the reply to " + what + " failed: " + e, true, 0, null, e));
    }
  }

  /**
   * Starts one attempt of a function call: on the gateway's call channel when it can go there
   * ({@link CallChannel#takes}; not an attempt that waits for the connection to come back), else
   * as a {@code Gateway.Call} of its own. Arguments as for {@link #unary}.
   */
  public static <T> RpcFuture<T> call(
      GatewayChannel gateway,
      io.easyremote.protocol.wire.CallRequest request,
      Duration timeLeft,
      Duration deadline,
      String what,
      Function<io.easyremote.protocol.wire.CallReply, T> onReply,
      boolean waitForReady,
      Executor callbacks) {
    CallChannel channel = gateway.calls();
    if (channel != null && !waitForReady && !gateway.isClosed() && channel.takes(request)) {
      return channel.call(request, timeLeft, deadline, what, onReply, callbacks);
    }
    return unary(gateway, io.easyremote.protocol.wire.GatewayGrpc.getCallMethod(), request, timeLeft, deadline, what, onReply,
        null, waitForReady, callbacks);
  }

  private static <Q, R, T> ClientResponseObserver<Q, R> observer(
      GatewayChannel gateway,
      Duration deadline,
      String what,
      RpcFuture<T> future,
      Function<R, T> onReply,
      Function<io.grpc.Status, RemoteException> onStatus) {
    return new ClientResponseObserver<Q, R>() {
      private boolean replied;

      @Override
      public void beforeStart(ClientCallStreamObserver<Q> rpc) {
        future.attach(() -> rpc.cancel("The caller cancelled the call.", null));
      }

      @Override
      public void onNext(R reply) {
        replied = true;
        complete(future, onReply, reply, what);
      }

      @Override
      public void onError(Throwable t) {
        RemoteException mapped = onStatus == null ? null : onStatus.apply(io.grpc.Status.fromThrowable(t));
        future.completeExceptionally(
            mapped != null && !gateway.isClosed() ? mapped : StatusErrors.toException(gateway, what, deadline, t));
      }

      @Override
      public void onCompleted() {
        if (!replied) {
          future.completeExceptionally(new RemoteException(ErrorCode.INTERNAL,
              "Gateway " + gateway.address() + " completed " + what + " without a reply.", true, 0, null, null));
        }
      }
    };
  }
}
