package io.easyremote.client;

import io.easyremote.client.internal.call.Await;
import io.easyremote.client.internal.call.Invoker;
import io.easyremote.client.internal.call.Retrier;
import io.easyremote.client.internal.stream.StreamCall;
import io.easyremote.protocol.Strategy;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.proxy.ProxyFactory;
import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.client.internal.transport.Rpc;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.TypeRef;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.GetNodeRequest;
import io.easyremote.protocol.wire.ListFunctionsRequest;
import io.easyremote.protocol.wire.ListNodesRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Calls remote functions through an EasyRemote gateway, by name or through typed interface proxies.
 *
 * <pre>{@code
 * try (Client client = Client.connect("127.0.0.1:8080")) {
 *   int sum = client.call("add", Integer.class, 1, 2);
 *   List<Point> points = client.call("points", new TypeRef<List<Point>>() {}, 3);
 *   CompletableFuture<Integer> later = client.callAsync("add", Integer.class, 1, 2);
 *   Calculator calc = client.proxy(Calculator.class);
 *   Client hurried = client.withDeadline(Duration.ofMillis(500));
 * }
 * }</pre>
 *
 * <p><b>Arguments and results.</b> Arguments travel as a JSON array (no arguments as an empty
 * payload); a call whose only argument is a {@code byte[]} sends the raw bytes instead. Results are
 * read as the requested type ({@link Class} or {@link TypeRef} for generic types) with the strict
 * shared JSON mapping: no float-to-int truncation, no string-to-number coercion. A {@code byte[]}
 * result arrives as raw bytes; {@code Void} reads any result as null. A {@code null} array passed as
 * the varargs means no arguments; pass {@code (Object) null} for one null argument.
 *
 * <p><b>Failures.</b> Every failure is a {@link RemoteException}: {@link ErrorCode} says what
 * happened and whether to retry, {@link RemoteException#reachedNode()} whether the function may
 * have run. When the remote function threw, it is a {@link RemoteFunctionException} carrying the
 * remote type and stack as text. Synchronous methods throw it directly, with the caller's stack;
 * asynchronous ones complete their future exceptionally with it. A call may have been accepted by
 * the gateway, and run, even when the client saw a transport failure such as
 * {@link ErrorCode#DEADLINE_EXCEEDED} or {@link ErrorCode#UNAVAILABLE}; only
 * {@code reachedNode() == false} guarantees it did not.
 *
 * <p><b>Deadlines.</b> Every call carries a deadline: {@link Builder#deadline} by default (30 s),
 * per copy with {@link #withDeadline}. The gateway cancels the call on its node when it passes.
 *
 * <p><b>Thread-safety and lifecycle.</b> A client is thread-safe and meant to be shared: create one
 * per gateway and reuse it. It connects lazily, on the first call, and reconnects by itself after a
 * broken connection. {@link #close()} shuts the connection down and fails calls still in flight
 * with {@link ErrorCode#CANCELLED}; calls after that fail the same way. Copies made by
 * {@link #withDeadline} share the root client's connection: closing a copy does nothing, closing
 * the root closes them all.
 */
public final class Client implements AutoCloseable {
  /** The deadline of every call unless configured otherwise: 30 seconds. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
  /** The largest encoded arguments sent unless configured otherwise: 16 MiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 16 << 20;
  /** The longest deadline accepted: 365 days. */
  public static final Duration MAX_DEADLINE = Duration.ofDays(365);

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  /** Items a stream may run ahead of its consumer by default. */
  public static final int DEFAULT_STREAM_WINDOW = 64;

  private final Invoker invoker;
  private final String callerId;
  private final boolean root;
  private final int streamWindow;

  private Client(Invoker invoker, String callerId, boolean root, int streamWindow) {
    this.invoker = invoker;
    this.callerId = callerId;
    this.root = root;
    this.streamWindow = streamWindow;
  }

  /**
   * A client for the gateway at {@code gateway} with every default. Equivalent to
   * {@code Client.builder().gateway(gateway).build()}. Does not connect yet: an unreachable
   * gateway shows on the first call, as {@link ErrorCode#UNAVAILABLE}.
   *
   * @param gateway {@code host:port}, e.g. {@code 127.0.0.1:8080} or {@code [::1]:8080}
   * @throws IllegalArgumentException when {@code gateway} is not {@code host:port}
   */
  public static Client connect(String gateway) {
    return builder().gateway(gateway).build();
  }

  /** A builder with the defaults: deadline 30 s, a random caller id, no API key, 16 MiB arguments. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ by name, synchronous

  /**
   * Calls {@code function} and waits for its result.
   *
   * @param function the function name
   * @param resultType the type to read the result as; {@code Void.class} to ignore it
   * @param args the arguments, encoded as a JSON array (a lone {@code byte[]} as raw bytes)
   * @return the result, which may be null
   * @throws RemoteException when the call fails for any reason, including an interrupt
   *     ({@link ErrorCode#CANCELLED}; the interrupt flag stays set and the call is cancelled)
   * @throws RemoteFunctionException when the function itself threw
   */
  public <T> T call(String function, Class<T> resultType, Object... args) {
    return await(function, () -> invoker.call(null, function, ResultReader.of(resultType), args));
  }

  /**
   * Calls {@code function} and waits for its result, read as a generic type such as
   * {@code new TypeRef<List<Point>>() {}}.
   *
   * @return the result, which may be null
   * @throws RemoteException when the call fails; see {@link #call(String, Class, Object...)}
   */
  public <T> T call(String function, TypeRef<T> resultType, Object... args) {
    return await(function, () -> invoker.call(null, function, ResultReader.of(resultType), args));
  }

  /**
   * Calls {@code function} and waits for its result, with the node that served it and the latency.
   *
   * @throws RemoteException when the call fails; see {@link #call(String, Class, Object...)}
   */
  public <T> CallResult<T> callDetailed(String function, Class<T> resultType, Object... args) {
    return await(function, () -> invoker.call(null, function, ResultReader.of(resultType), args, Client::detailed));
  }

  /**
   * Calls {@code function} and waits for its result, read as a generic type, with the node that
   * served it and the latency.
   *
   * @throws RemoteException when the call fails; see {@link #call(String, Class, Object...)}
   */
  public <T> CallResult<T> callDetailed(String function, TypeRef<T> resultType, Object... args) {
    return await(function, () -> invoker.call(null, function, ResultReader.of(resultType), args, Client::detailed));
  }

  /**
   * Calls {@code function} on the node {@code nodeId} only, bypassing the balancer (but not the
   * node's queue or the gateway's authorisation), and waits for its result.
   *
   * @throws RemoteException {@link ErrorCode#NO_NODE_AVAILABLE} when that node is not connected or
   *     does not offer the function, or any other failure as for {@link #call(String, Class, Object...)}
   */
  public <T> T callNode(String nodeId, String function, Class<T> resultType, Object... args) {
    return await(function, () -> invoker.call(requireNodeId(nodeId), function, ResultReader.of(resultType), args));
  }

  /**
   * Calls {@code function} on the node {@code nodeId} only and waits for its result, read as a
   * generic type.
   *
   * @throws RemoteException as for {@link #callNode(String, String, Class, Object...)}
   */
  public <T> T callNode(String nodeId, String function, TypeRef<T> resultType, Object... args) {
    return await(function, () -> invoker.call(requireNodeId(nodeId), function, ResultReader.of(resultType), args));
  }

  // ------------------------------------------------------------------ by name, asynchronous

  /**
   * Starts a call of {@code function} and returns at once.
   *
   * <p>The future completes on a gRPC callback thread, with the result or exceptionally with a
   * {@link RemoteException}; do not block in stages that run there (use the {@code *Async}
   * variants). Cancelling this future cancels the call, and the gateway stops it on its node;
   * futures derived from it ({@code thenApply} ...) do not carry cancellation back.
   *
   * @return the future result; never null, and it never throws here for remote failures
   */
  public <T> CompletableFuture<T> callAsync(String function, Class<T> resultType, Object... args) {
    return invoker.call(null, function, ResultReader.of(resultType), args);
  }

  /**
   * Starts a call of {@code function} whose result is read as a generic type; see
   * {@link #callAsync(String, Class, Object...)}.
   */
  public <T> CompletableFuture<T> callAsync(String function, TypeRef<T> resultType, Object... args) {
    return invoker.call(null, function, ResultReader.of(resultType), args);
  }

  /**
   * Starts a call of {@code function} on the node {@code nodeId} only; see
   * {@link #callAsync(String, Class, Object...)} and {@link #callNode(String, String, Class, Object...)}.
   */
  public <T> CompletableFuture<T> callNodeAsync(String nodeId, String function, Class<T> resultType, Object... args) {
    return invoker.call(requireNodeId(nodeId), function, ResultReader.of(resultType), args);
  }

  /**
   * Starts a call of {@code function} on the node {@code nodeId} only, reading a generic type; see
   * {@link #callAsync(String, Class, Object...)}.
   */
  public <T> CompletableFuture<T> callNodeAsync(String nodeId, String function, TypeRef<T> resultType, Object... args) {
    return invoker.call(requireNodeId(nodeId), function, ResultReader.of(resultType), args);
  }

  // ------------------------------------------------------------------ typed proxies and copies

  /**
   * A proxy that implements {@code iface} by calling remote functions, with this client's deadline.
   *
   * <p>Each abstract method calls the function of its name, or of {@link Remote#name()} when the
   * method is annotated. Its arguments are the call's arguments. A method returning a plain type
   * (anything JSON can represent, or {@code void}) waits for the result and throws
   * {@link RemoteException}s as {@link #call(String, Class, Object...)} does; a method returning
   * {@code CompletableFuture<T>} returns at once, as {@link #callAsync(String, Class, Object...)}
   * does. Default methods run locally, as written. {@code equals} is identity, {@code hashCode} the
   * identity hash, {@code toString} names the interface and gateway. The proxy is thread-safe.
   *
   * @throws IllegalArgumentException naming {@code Interface.method} when {@code iface} is not an
   *     interface or one of its methods cannot be served (a raw {@code CompletableFuture}, a
   *     {@code Future} other than {@code CompletableFuture}, a type variable, a streaming type such
   *     as {@code Stream<T>}, an invalid function name, a default method of a non-public interface)
   */
  public <T> T proxy(Class<T> iface) {
    return ProxyFactory.create(iface, invoker, "via gateway " + gateway() + " (deadline " + deadline().toMillis() + " ms)",
        (function, reader, args) -> openStream(null, function, reader, args));
  }

  /**
   * A copy of this client whose calls have {@code deadline} by default. The copy shares this
   * client's connection, caller id and API key; closing it does nothing, closing the root client
   * closes it too. Cheap: make one per use if needed.
   *
   * @param deadline more than zero and at most {@link #MAX_DEADLINE}
   * @throws IllegalArgumentException when {@code deadline} is out of range
   */
  public Client withDeadline(Duration deadline) {
    return new Client(invoker.withDeadline(checkDeadline(deadline)), callerId, false, streamWindow);
  }

  /**
   * Calls a streaming function; its items arrive through the returned stream as they are
   * produced. Close it (try-with-resources) to stop early. The deadline covers the whole stream.
   *
   * @throws RemoteException at once for a malformed name or arguments that cannot be encoded;
   *     failures of the call itself surface while reading
   */
  public <T> ResultStream<T> stream(String function, Class<T> itemType, Object... args) {
    return openStream(null, function, ResultReader.of(itemType), args);
  }

  /** As {@link #stream(String, Class, Object...)} with a generic item type. */
  public <T> ResultStream<T> stream(String function, TypeRef<T> itemType, Object... args) {
    return openStream(null, function, ResultReader.of(itemType), args);
  }

  /** As {@link #stream(String, Class, Object...)}, on the node {@code nodeId}. */
  public <T> ResultStream<T> streamNode(String nodeId, String function, Class<T> itemType, Object... args) {
    return openStream(requireNodeId(nodeId), function, ResultReader.of(itemType), args);
  }

  private <T> ResultStream<T> openStream(String nodeId, String function, ResultReader<T> reader, Object[] args) {
    return new ResultStream<>(StreamCall.start(invoker.gateway(), invoker.request(nodeId, function, args), reader, deadline(),
        streamWindow));
  }

  /**
   * A copy of this client whose calls carry {@code options}: strategy, requirements, idempotency
   * key, retry policy. Shares the connection and the retry budget, like {@link #withDeadline}.
   */
  public Client withOptions(CallOptions options) {
    return new Client(invoker.withOptions(java.util.Objects.requireNonNull(options, "options")), callerId, false, streamWindow);
  }

  /** A copy of this client whose calls use {@code strategy}; shorthand for {@link #withOptions}. */
  public Client withStrategy(Strategy strategy) {
    return withOptions(invoker.options().toBuilder().strategy(strategy).build());
  }

  /** Calls, attempts and retries made by this client and its copies so far. */
  public ClientStats stats() {
    return invoker.retrier().stats();
  }

  /** Fetches the function list in the background to learn which functions are idempotent (for retries). */
  private void learnIdempotentFunctions() {
    Rpc.unary(invoker.gateway(), GatewayGrpc.getListFunctionsMethod(), ListFunctionsRequest.getDefaultInstance(), deadline(),
        "ListFunctions", reply -> {
          reply.getFunctionsList().stream().filter(f -> f.getSpec().getIdempotent())
              .forEach(f -> invoker.retrier().learnIdempotent(f.getSpec().getName()));
          return null;
        }, null);
  }

  // ------------------------------------------------------------------ the network

  /**
   * The nodes connected to the gateway now, as it sees them.
   *
   * @throws RemoteException when the gateway cannot answer within the deadline, or refuses
   */
  public List<NodeInfo> nodes() {
    Await.checkNotInterrupted("ListNodes");
    return Await.result(
        Rpc.unary(invoker.gateway(), GatewayGrpc.getListNodesMethod(), ListNodesRequest.getDefaultInstance(), deadline(),
            "ListNodes", reply -> reply.getNodesList().stream().map(Wire::fromWire).toList(), null),
        "ListNodes");
  }

  /**
   * The node {@code nodeId} as the gateway sees it now.
   *
   * @throws RemoteException {@link ErrorCode#NO_NODE_AVAILABLE} when no node of that id is
   *     connected, {@link ErrorCode#INVALID_REQUEST} for a malformed id, or any failure as for
   *     {@link #nodes()}
   */
  public NodeInfo node(String nodeId) {
    String id = requireNodeId(nodeId);
    String problem = Names.nodeIdProblem(id);
    if (problem != null) {
      throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid node id: " + problem + ".");
    }
    Await.checkNotInterrupted("GetNode");
    return Await.result(
        Rpc.unary(invoker.gateway(), GatewayGrpc.getGetNodeMethod(), GetNodeRequest.newBuilder().setNodeId(id).build(),
            deadline(), "GetNode '" + id + "'", Wire::fromWire,
            status -> status.getCode() != Status.Code.NOT_FOUND ? null
                : new RemoteException(ErrorCode.NO_NODE_AVAILABLE, status.getDescription() != null
                    ? status.getDescription() : "No node '" + id + "' is connected.")),
        "GetNode");
  }

  /**
   * The functions registered at the gateway now, with the nodes offering each.
   *
   * @throws RemoteException when the gateway cannot answer within the deadline, or refuses
   */
  public List<FunctionInfo> functions() {
    Await.checkNotInterrupted("ListFunctions");
    return Await.result(
        Rpc.unary(invoker.gateway(), GatewayGrpc.getListFunctionsMethod(), ListFunctionsRequest.getDefaultInstance(),
            deadline(), "ListFunctions", reply -> {
              reply.getFunctionsList().stream().filter(f -> f.getSpec().getIdempotent())
                  .forEach(f -> invoker.retrier().learnIdempotent(f.getSpec().getName()));
              return reply.getFunctionsList().stream().map(Wire::fromWire).toList();
            }, null),
        "ListFunctions");
  }

  // ------------------------------------------------------------------ settings and lifecycle

  /** The gateway address, {@code host:port}, as configured. */
  public String gateway() {
    return invoker.gateway().address();
  }

  /** The default deadline of this client's calls. */
  public Duration deadline() {
    return invoker.deadline();
  }

  /** The caller id sent with every call (metadata {@code x-easyremote-caller}). */
  public String callerId() {
    return callerId;
  }

  /** The largest encoded arguments this client sends, in bytes. */
  public int maxPayloadBytes() {
    return invoker.maxPayloadBytes();
  }

  /**
   * Closes the connection to the gateway, waiting at most 5 seconds for it to terminate. Calls in
   * flight fail with {@link ErrorCode#CANCELLED} (the gateway cancels them on their nodes); later
   * calls fail the same way without being sent. Idempotent. On a copy made by
   * {@link #withDeadline}, does nothing: only the root client owns the connection.
   */
  @Override
  public void close() {
    if (root) {
      invoker.retrier().close();
      invoker.gateway().close(CLOSE_WAIT);
    }
  }

  @Override
  public String toString() {
    return "Client{gateway=" + gateway() + ", deadline=" + deadline() + ", callerId=" + callerId
        + (root ? "" : ", derived") + (invoker.gateway().isClosed() ? ", closed" : "") + "}";
  }

  private static <T> CallResult<T> detailed(T value, String nodeId, long latencyNanos) {
    return new CallResult<>(value, nodeId, Duration.ofNanos(latencyNanos));
  }

  private static <T> T await(String function, Supplier<CompletableFuture<T>> start) {
    String what = "'" + function + "'";
    Await.checkNotInterrupted(what);
    return Await.result(start.get(), what);
  }

  private static String requireNodeId(String nodeId) {
    return Objects.requireNonNull(nodeId, "nodeId");
  }

  static Duration checkDeadline(Duration deadline) {
    Objects.requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be > 0: " + deadline);
    }
    if (deadline.compareTo(MAX_DEADLINE) > 0) {
      throw new IllegalArgumentException("deadline must be at most " + MAX_DEADLINE.toDays() + " days: " + deadline);
    }
    return deadline;
  }

  /**
   * Configures a {@link Client}. Not thread-safe; each {@link #build()} makes an independent client
   * with its own connection. Every setter rejects a bad value at once; nothing is clamped.
   */
  public static final class Builder {
    private static final int MAX_CALLER_ID_LENGTH = 128;
    private static final int MAX_API_KEY_LENGTH = 4096;

    private String gateway;
    private Duration deadline = DEFAULT_DEADLINE;
    private String callerId;
    private String apiKey;
    private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
    private RetryPolicy retry = RetryPolicy.NONE;
    private int streamWindow = DEFAULT_STREAM_WINDOW;

    /** How many items a stream may run ahead of its consumer (default 64); the node blocks beyond it. */
    public Builder streamWindow(int items) {
      if (items < 1) {
        throw new IllegalArgumentException("streamWindow must be > 0: " + items);
      }
      this.streamWindow = items;
      return this;
    }
    private TlsTrust tls;

    private Builder() {}

    /** Retries failed calls by this policy (default {@link RetryPolicy#NONE}: no retries). */
    public Builder retry(RetryPolicy retry) {
      this.retry = java.util.Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** Dials the gateway over TLS, trusting the system's certificate authorities. */
    public Builder tls() {
      this.tls = new TlsTrust(null);
      return this;
    }

    /** Dials the gateway over TLS, trusting only the certificate authority in this PEM file. */
    public Builder tls(java.nio.file.Path trustedCaPem) {
      if (!java.nio.file.Files.isReadable(java.util.Objects.requireNonNull(trustedCaPem, "trustedCaPem"))) {
        throw new IllegalArgumentException("CA file is not readable: " + trustedCaPem);
      }
      this.tls = new TlsTrust(trustedCaPem);
      return this;
    }

    private record TlsTrust(java.nio.file.Path ca) {}

    /**
     * The gateway to call. Required.
     *
     * @param hostPort {@code host:port}: a host name, an IPv4 address or a bracketed IPv6 address,
     *     and a port from 1 to 65535, e.g. {@code gw.example.com:8080}
     * @throws IllegalArgumentException when it is not {@code host:port}
     */
    public Builder gateway(String hostPort) {
      this.gateway = checkGateway(hostPort);
      return this;
    }

    /**
     * The deadline of every call unless a copy overrides it ({@link Client#withDeadline}).
     * Default 30 seconds.
     *
     * @throws IllegalArgumentException unless more than zero and at most {@link Client#MAX_DEADLINE}
     */
    public Builder deadline(Duration deadline) {
      this.deadline = checkDeadline(deadline);
      return this;
    }

    /**
     * The caller id sent with every call (metadata {@code x-easyremote-caller}); the gateway queues
     * fairly across caller ids. Default: {@code client-} and a random UUID, different per client.
     *
     * @throws IllegalArgumentException unless 1 to 128 visible ASCII characters (no spaces)
     */
    public Builder callerId(String callerId) {
      Objects.requireNonNull(callerId, "callerId");
      if (!visibleAscii(callerId, MAX_CALLER_ID_LENGTH)) {
        throw new IllegalArgumentException(
            "callerId must be 1 to " + MAX_CALLER_ID_LENGTH + " visible ASCII characters (no spaces): '" + callerId + "'");
      }
      this.callerId = callerId;
      return this;
    }

    /**
     * The API key sent with every call as {@code authorization: Bearer <key>}. Default: none,
     * which reaches only functions the gateway makes public.
     *
     * @throws IllegalArgumentException unless 1 to 4096 visible ASCII characters (no spaces); the
     *     message does not repeat the key
     */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      if (!visibleAscii(apiKey, MAX_API_KEY_LENGTH)) {
        throw new IllegalArgumentException("apiKey must be 1 to " + MAX_API_KEY_LENGTH
            + " visible ASCII characters (no spaces); got " + apiKey.length() + " characters");
      }
      this.apiKey = apiKey;
      return this;
    }

    /**
     * The largest encoded arguments a call may send, in bytes; a larger call fails at once with
     * {@link ErrorCode#PAYLOAD_TOO_LARGE}, without being sent. Default 16 MiB. The gateway
     * enforces its own limit as well.
     *
     * @throws IllegalArgumentException unless more than zero
     */
    public Builder maxPayloadBytes(int maxPayloadBytes) {
      if (maxPayloadBytes <= 0) {
        throw new IllegalArgumentException("maxPayloadBytes must be > 0: " + maxPayloadBytes);
      }
      this.maxPayloadBytes = maxPayloadBytes;
      return this;
    }

    /**
     * A new client with this configuration. Does not connect yet.
     *
     * @throws IllegalStateException when no gateway was set
     */
    public Client build() {
      if (gateway == null) {
        throw new IllegalStateException("gateway is required: Client.builder().gateway(\"host:port\")");
      }
      String caller = callerId != null ? callerId : "client-" + UUID.randomUUID();
      GatewayChannel channel = GatewayChannel.open(gateway, caller, apiKey, tls == null ? null : new GatewayChannel.Tls(tls.ca()));
      Client client = new Client(new Invoker(channel, deadline, maxPayloadBytes, CallOptions.DEFAULT, retry, new Retrier()), caller, true,
          streamWindow);
      if (retry.maxAttempts() > 1) {
        client.learnIdempotentFunctions();
      }
      return client;
    }

    private static String checkGateway(String hostPort) {
      Objects.requireNonNull(hostPort, "gateway");
      int colon = hostPort.lastIndexOf(':');
      String problem = null;
      if (colon <= 0 || colon == hostPort.length() - 1) {
        problem = "missing host or port";
      } else {
        String host = hostPort.substring(0, colon);
        String port = hostPort.substring(colon + 1);
        boolean bracketed = host.startsWith("[") && host.endsWith("]") && host.length() > 2;
        if (!bracketed && !host.matches("[A-Za-z0-9._-]+")) {
          problem = "bad host '" + host + "'";
        } else if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
          problem = "port must be 1 to 65535";
        }
      }
      if (problem != null) {
        throw new IllegalArgumentException(
            "gateway must be host:port, e.g. 127.0.0.1:8080 (" + problem + "): '" + hostPort + "'");
      }
      return hostPort;
    }

    private static boolean visibleAscii(String s, int maxLength) {
      if (s.isEmpty() || s.length() > maxLength) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < 0x21 || c > 0x7e) {
          return false;
        }
      }
      return true;
    }
  }
}
