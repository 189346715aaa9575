package io.easyremote.client.internal.call;

import io.easyremote.client.CallOptions;
import io.easyremote.client.RetryPolicy;
import io.easyremote.client.internal.codec.Arguments;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.retry.Retries;
import io.easyremote.client.internal.stream.StreamCall;
import io.easyremote.client.internal.stream.StreamWindow;
import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.client.internal.transport.Rpc;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.ListFunctionsRequest;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Requirements;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Performs calls for one client copy: checks names, encodes arguments, applies the options and
 * the deadline, sends {@code Gateway.Call} (through {@link Retries} when a retry policy is in
 * force) or opens {@code Gateway.CallStream}, and turns replies into values or
 * {@link RemoteException}s. Immutable and thread-safe; copies share the channel and the
 * {@link Retries} of their root.
 */
public final class Invoker {
  private final GatewayChannel gateway;
  private final Duration deadline;
  private final int maxPayloadBytes;
  private final CallOptions options;
  private final RetryPolicy clientRetry;
  private final StreamWindow streamWindow;
  private final Retries retries;
  private final Executor callbacks;

  private Invoker(GatewayChannel gateway, Duration deadline, int maxPayloadBytes, CallOptions options, RetryPolicy clientRetry,
      StreamWindow streamWindow, Retries retries, Executor callbacks) {
    this.gateway = gateway;
    this.deadline = deadline;
    this.maxPayloadBytes = maxPayloadBytes;
    this.options = options;
    this.clientRetry = clientRetry;
    this.streamWindow = streamWindow;
    this.retries = retries;
    this.callbacks = callbacks;
  }

  /** The invoker of a root client, with its own {@link Retries}. */
  public static Invoker root(GatewayChannel gateway, Duration deadline, int maxPayloadBytes, RetryPolicy retry, StreamWindow streamWindow) {
    Retries retries = new Retries(timeLeft -> listIdempotent(gateway, timeLeft));
    return new Invoker(gateway, deadline, maxPayloadBytes, CallOptions.DEFAULT, retry, streamWindow, retries, null);
  }

  /** A copy with another default deadline (also in its options, when they carry one). */
  public Invoker withDeadline(Duration newDeadline) {
    CallOptions o = options.deadline() == null ? options : options.toBuilder().deadline(newDeadline).build();
    return new Invoker(gateway, newDeadline, maxPayloadBytes, o, clientRetry, streamWindow, retries, callbacks);
  }

  /** A copy with other options; their deadline, when set, becomes the copy's deadline. */
  public Invoker withOptions(CallOptions newOptions) {
    Duration d = newOptions.deadline() != null ? newOptions.deadline() : deadline;
    return new Invoker(gateway, d, maxPayloadBytes, newOptions, clientRetry, streamWindow, retries, callbacks);
  }

  /**
   * A copy whose unary calls deliver their gRPC callbacks through {@code executor} (null: the
   * channel's own threads); a blocking call passes a {@link WaitingThreadExecutor}.
   */
  public Invoker withCallbacksOn(Executor executor) {
    return new Invoker(gateway, deadline, maxPayloadBytes, options, clientRetry, streamWindow, retries, executor);
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

  public CallOptions options() {
    return options;
  }

  public StreamWindow streamWindow() {
    return streamWindow;
  }

  public Retries retries() {
    return retries;
  }

  /** The retry policy in force: the options' or else the client's. */
  public RetryPolicy retryPolicy() {
    return options.retry() != null ? options.retry() : clientRetry;
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
   * Calls {@code function}, pinned to {@code nodeId} when it is not null (else to the options'
   * node, if any), and completes with what {@code handler} makes of the decoded value. Never
   * throws: every failure, including bad input found before sending, completes the future with a
   * {@link RemoteException}. Cancelling the future cancels the call.
   */
  public <T, R> CompletableFuture<R> call(
      String nodeId, String function, ResultReader<T> reader, Object[] args, ReplyHandler<T, R> handler) {
    CallRequest request;
    try {
      request = request(nodeId, function, args);
    } catch (RemoteException e) {
      return CompletableFuture.failedFuture(e);
    }
    Duration callDeadline = deadline;
    return retries.call(function, retryPolicy(), options.idempotencyKey() != null, callDeadline,
        (timeLeft, waitForReady) -> once(request, function, reader, handler, timeLeft, callDeadline, waitForReady));
  }

  /**
   * Checks and encodes a streaming call now; each {@code get()} of the result opens it (and
   * counts a call). Streams are not retried by the client.
   *
   * @throws RemoteException at once for a malformed name or node id, or arguments that cannot be
   *     encoded or are too large
   */
  public <T> Supplier<StreamCall<T>> prepareStream(String nodeId, String function, ResultReader<T> reader, Object[] args) {
    CallRequest request = request(nodeId, function, args);
    Duration streamDeadline = deadline;
    return () -> {
      retries.onSingleAttemptCall();
      return StreamCall.start(gateway, request, reader, streamDeadline, streamWindow);
    };
  }

  private <T, R> CompletableFuture<R> once(CallRequest request, String function, ResultReader<T> reader,
      ReplyHandler<T, R> handler, Duration timeLeft, Duration callDeadline, boolean waitForReady) {
    long start = System.nanoTime();
    return Rpc.call(gateway, request, timeLeft, callDeadline, "'" + function + "'",
        reply -> {
          long latency = System.nanoTime() - start;
          String servedBy = reply.getNodeId().isEmpty() ? null : reply.getNodeId();
          Payload payload = payloadOf(function, reply, servedBy);
          return handler.apply(reader.read(function, payload, servedBy), servedBy, latency);
        },
        waitForReady, callbacks);
  }

  /**
   * The wire request: name and node checked, arguments encoded, options and retry policy applied.
   *
   * @throws RemoteException {@link ErrorCode#INVALID_REQUEST}, {@link ErrorCode#INVALID_ARGUMENTS}
   *     or {@link ErrorCode#PAYLOAD_TOO_LARGE} for bad input; nothing was sent
   */
  public CallRequest request(String nodeId, String function, Object[] args) {
    String problem = Names.functionNameProblem(function);
    if (problem != null) {
      throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid function name: " + problem + ".");
    }
    CallRequest.Builder request = CallRequest.newBuilder().setFunction(function);
    String node = nodeId != null ? nodeId : options.node();
    if (node != null) {
      String nodeProblem = Names.nodeIdProblem(node);
      if (nodeProblem != null) {
        throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid node id: " + nodeProblem + ".");
      }
      request.setNodeId(node);
    }
    if (options.strategy() != null) {
      request.setStrategy(options.strategy().wireName());
    }
    if (options.hasRequirements()) {
      request.setRequirements(Requirements.newBuilder()
          .putAllLabels(options.labels())
          .setMinMemoryFreeBytes(options.minMemoryFreeBytes())
          .setMinGpuMemoryFreeBytes(options.minGpuMemoryFreeBytes())
          .setMaxCost(options.maxCost()));
    }
    if (options.idempotencyKey() != null) {
      request.setIdempotencyKey(options.idempotencyKey());
    }
    RetryPolicy retry = retryPolicy();
    if (retry.maxAttempts() > 1) {
      request.setRetry(io.easyremote.protocol.wire.RetryPolicy.newBuilder()
          .setMaxAttempts(retry.maxAttempts())
          .setRetryNonIdempotent(retry.retryNonIdempotent()));
    }
    return request.setPayload(Arguments.encode(function, Arguments.orNone(args), maxPayloadBytes)).build();
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

  /** The names of the functions the gateway declares idempotent; for retry decisions. */
  private static CompletableFuture<Set<String>> listIdempotent(GatewayChannel gateway, Duration timeLeft) {
    return Rpc.unary(gateway, GatewayGrpc.getListFunctionsMethod(), ListFunctionsRequest.getDefaultInstance(), timeLeft,
        "ListFunctions", reply -> idempotentNames(reply.getFunctionsList()), null);
  }

  /** The idempotent functions' names in a function list. */
  public static Set<String> idempotentNames(java.util.List<FunctionInfo> functions) {
    return functions.stream().filter(f -> f.getSpec().getIdempotent()).map(f -> f.getSpec().getName())
        .collect(Collectors.toUnmodifiableSet());
  }
}
