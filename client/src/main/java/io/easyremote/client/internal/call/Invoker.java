package io.easyremote.client.internal.call;

import io.easyremote.client.internal.codec.Arguments;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.client.internal.transport.Rpc;
import io.easyremote.client.internal.transport.RpcFuture;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.client.CallOptions;
import io.easyremote.client.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Performs calls for a client: checks names, encodes arguments, applies the deadline, sends
 * {@code Gateway.Call} and turns the reply into a value or a {@link RemoteException}. Immutable
 * and thread-safe; {@link #withDeadline} derives a copy on the same channel.
 */
public final class Invoker {
  private final GatewayChannel gateway;
  private final Duration deadline;
  private final int maxPayloadBytes;
  private final CallOptions options;
  private final RetryPolicy retry;
  private final Retrier retrier;

  public Invoker(GatewayChannel gateway, Duration deadline, int maxPayloadBytes, CallOptions options, RetryPolicy retry,
      Retrier retrier) {
    this.gateway = gateway;
    this.deadline = deadline;
    this.maxPayloadBytes = maxPayloadBytes;
    this.options = options;
    this.retry = retry;
    this.retrier = retrier;
  }

  /** A copy with another default deadline, sharing the channel. */
  public Invoker withDeadline(Duration newDeadline) {
    return new Invoker(gateway, newDeadline, maxPayloadBytes, options, retry, retrier);
  }

  /** A copy with other call options, sharing the channel and the retry budget. */
  public Invoker withOptions(CallOptions newOptions) {
    return new Invoker(gateway, deadline, maxPayloadBytes, newOptions, retry, retrier);
  }

  public CallOptions options() {
    return options;
  }

  public Retrier retrier() {
    return retrier;
  }

  /** The retry policy in force: the options' or else the client's. */
  public RetryPolicy retryPolicy() {
    return options.retry() != null ? options.retry() : retry;
  }

  public GatewayChannel gateway() {
    return gateway;
  }

  public Duration deadline() {
    return deadline;
  }

  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /** What a successful reply becomes: the decoded value plus where and how fast it was served. */
  @FunctionalInterface
  public interface ReplyHandler<T, R> {
    R apply(T value, String nodeId, long latencyNanos);
  }

  /** Calls {@code function} and completes with its value. */
  public <T> CompletableFuture<T> call(String nodeId, String function, ResultReader<T> reader, Object[] args) {
    return call(nodeId, function, reader, args, (value, node, nanos) -> value);
  }

  /**
   * Calls {@code function}, pinned to {@code nodeId} when it is not null, and completes with what
   * {@code handler} makes of the decoded value. Never throws: every failure, including bad input
   * found before sending, completes the future with a {@link RemoteException}.
   */
  public <T, R> CompletableFuture<R> call(
      String nodeId, String function, ResultReader<T> reader, Object[] args, ReplyHandler<T, R> handler) {
    CallRequest request;
    try {
      request = request(nodeId, function, args);
    } catch (RemoteException e) {
      return RpcFuture.failed(e);
    }
    RetryPolicy policy = retryPolicy();
    retrier.onCall(policy);
    if (policy.maxAttempts() == 1) {
      retrier.onAttempt();
      return once(request, function, reader, handler, deadline, false);
    }
    Retrying<R> call = new Retrying<>();
    attempt(call, 1, System.nanoTime() + deadline.toNanos(), policy, request, function, reader, handler, false);
    return call;
  }

  private <T, R> void attempt(Retrying<R> call, int number, long deadlineNanos, RetryPolicy policy, CallRequest request,
      String function, ResultReader<T> reader, ReplyHandler<T, R> handler, boolean waitForReady) {
    if (call.isDone()) {
      return;
    }
    long remaining = deadlineNanos - System.nanoTime();
    retrier.onAttempt();
    RpcFuture<R> current = once(request.toBuilder().setRetry(io.easyremote.protocol.wire.RetryPolicy.newBuilder()
        .setMaxAttempts(policy.maxAttempts()).setRetryNonIdempotent(policy.retryNonIdempotent())).build(),
        function, reader, handler, Duration.ofNanos(Math.max(1, remaining)), waitForReady);
    call.current = current;
    current.whenComplete((value, failure) -> {
      if (failure == null) {
        call.complete(value);
        return;
      }
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      if (!(cause instanceof RemoteException remote) || call.isCancelled()) {
        call.completeExceptionally(cause);
        return;
      }
      long delay = retrier.nextDelayNanos(policy, function, remote, number, deadlineNanos);
      if (delay < 0) {
        call.completeExceptionally(remote);
        return;
      }
      // After UNAVAILABLE the next attempt waits for the channel to reconnect rather than burning the budget.
      boolean waitNext = remote.code() == io.easyremote.protocol.ErrorCode.UNAVAILABLE;
      retrier.schedule(() -> attempt(call, number + 1, deadlineNanos, policy, request, function, reader, handler, waitNext), delay);
    });
  }

  /** A call made of attempts: cancelling it cancels the attempt in progress. */
  private static final class Retrying<R> extends CompletableFuture<R> {
    volatile CompletableFuture<R> current;

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      CompletableFuture<R> attempt = current;
      if (cancelled && attempt != null) {
        attempt.cancel(mayInterruptIfRunning);
      }
      return cancelled;
    }
  }

  private <T, R> RpcFuture<R> once(CallRequest request, String function, ResultReader<T> reader, ReplyHandler<T, R> handler,
      Duration deadline, boolean waitForReady) {
    long start = System.nanoTime();
    return Rpc.unary(gateway, GatewayGrpc.getCallMethod(), request, deadline, "'" + function + "'",
        reply -> {
          long latency = System.nanoTime() - start;
          String servedBy = reply.getNodeId().isEmpty() ? null : reply.getNodeId();
          Payload payload = payloadOf(function, reply, servedBy);
          return handler.apply(reader.read(function, payload, servedBy), servedBy, latency);
        },
        null, waitForReady);
  }

  /** The wire request for a call: name and node checked, arguments encoded, options applied. @throws RemoteException for bad input */
  public CallRequest request(String nodeId, String function, Object[] args) {
    String problem = Names.functionNameProblem(function);
    if (problem != null) {
      throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid function name: " + problem + ".");
    }
    CallRequest.Builder request = CallRequest.newBuilder().setFunction(function);
    if (nodeId != null) {
      String nodeProblem = Names.nodeIdProblem(nodeId);
      if (nodeProblem != null) {
        throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid node id: " + nodeProblem + ".");
      }
      request.setNodeId(nodeId);
    }
    applyOptions(request);
    return request.setPayload(Arguments.encode(function, Arguments.orNone(args), maxPayloadBytes)).build();
  }

  /** Puts the routing options on a request. */
  public void applyOptions(CallRequest.Builder request) {
    if (options.strategy() != null) {
      request.setStrategy(options.strategy().wireName());
    }
    if (!options.labels().isEmpty() || options.minMemoryFreeBytes() > 0 || options.minGpuMemoryFreeBytes() > 0 || options.maxCost() > 0) {
      request.setRequirements(io.easyremote.protocol.wire.Requirements.newBuilder().putAllLabels(options.labels())
          .setMinMemoryFreeBytes(options.minMemoryFreeBytes()).setMinGpuMemoryFreeBytes(options.minGpuMemoryFreeBytes())
          .setMaxCost(options.maxCost()));
    }
    if (options.idempotencyKey() != null) {
      request.setIdempotencyKey(options.idempotencyKey());
    }
  }

  private Payload payloadOf(String function, CallReply reply, String servedBy) {
    switch (reply.getOutcomeCase()) {
      case PAYLOAD:
        return reply.getPayload();
      case ERROR:
        Error error = reply.getError();
        if (error.getNodeId().isEmpty() && servedBy != null) {
          error = error.toBuilder().setNodeId(servedBy).build();
        }
        throw Wire.toException(error);
      default:
        throw new RemoteException(ErrorCode.INTERNAL,
            "Gateway " + gateway.address() + " answered '" + function + "' with neither a result nor an error.",
            true, 0, servedBy, null);
    }
  }
}
