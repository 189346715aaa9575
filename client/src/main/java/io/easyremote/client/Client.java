package io.easyremote.client;

import io.easyremote.client.internal.call.Await;
import io.easyremote.client.internal.call.GatewayQueries;
import io.easyremote.client.internal.call.Invoker;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.fanout.Broadcast;
import io.easyremote.client.internal.fanout.Eligible;
import io.easyremote.client.internal.fanout.MapEngine;
import io.easyremote.client.internal.proxy.ProxyFactory;
import io.easyremote.client.internal.stream.StreamCall;
import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.TypeRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Calls remote functions through an EasyRemote gateway: by name, asynchronously, as streams, or
 * through typed interface proxies.
 *
 * <pre>{@code
 * try (Client client = Client.connect("127.0.0.1:8080")) {
 *   int sum = client.call("add", Integer.class, 1, 2);
 *   List<Point> points = client.call("points", new TypeRef<List<Point>>() {}, 3);
 *   CompletableFuture<Integer> later = client.callAsync("add", Integer.class, 1, 2);
 *   try (ResultStream<String> tokens = client.stream("tokens", String.class, "hello world")) {
 *     tokens.forEach(System.out::println);
 *   }
 *   Calculator calc = client.proxy(Calculator.class);
 *   Client hurried = client.withDeadline(Duration.ofMillis(500));
 *   Client gpu = client.withOptions(CallOptions.builder().require("gpu", "*").build());
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
 * <p><b>Deadlines, options and retries.</b> Every call carries a deadline: {@link Builder#deadline}
 * by default (30 s), per copy with {@link #withDeadline}; for a stream it covers the whole stream.
 * The gateway cancels the call on its node when it passes. {@link #withOptions} makes a copy whose
 * calls carry a strategy, node requirements, a pinned node or a retry policy. No call is retried
 * unless a {@link RetryPolicy} is set ({@link Builder#retry}, or in the options); retries never
 * outlive the deadline and share one {@link SlidingWindowRetryBudget} per root client ({@link #stats()}).
 *
 * <p><b>Thread-safety and lifecycle.</b> A client is thread-safe and meant to be shared: create one
 * per gateway and reuse it. It connects lazily, on the first call, and reconnects by itself after a
 * broken connection. {@link #close()} shuts the connection down and fails calls and streams still
 * in flight, and calls waiting to retry, with {@link ErrorCode#CANCELLED}; calls after that fail
 * the same way. Copies made by {@link #withDeadline}, {@link #withOptions} and
 * {@link #withStrategy} share the root client's connection, retry budget and counters: closing a
 * copy does nothing, closing the root closes them all.
 */
public final class Client implements AutoCloseable {
  /** The deadline of every call unless configured otherwise: 30 seconds. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
  /** The largest encoded arguments sent unless configured otherwise: 16 MiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 16 << 20;
  /** The longest deadline accepted: 365 days. */
  public static final Duration MAX_DEADLINE = Duration.ofDays(365);

  /** The most items a stream may run ahead of its reader unless configured otherwise: 1,024. */
  public static final int DEFAULT_STREAM_WINDOW = 1024;
  /** The largest stream window accepted: 65,536 items. */
  public static final int MAX_STREAM_WINDOW = 1 << 16;
  /** About how many bytes of items a stream may run ahead of its reader unless configured otherwise: 4 MiB. */
  public static final long DEFAULT_STREAM_WINDOW_BYTES = 4 << 20;

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private final Invoker invoker;
  private final String callerId;
  private final boolean root;

  private Client(Invoker invoker, String callerId, boolean root) {
    this.invoker = invoker;
    this.callerId = callerId;
    this.root = root;
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

  /**
   * A builder with the defaults: deadline 30 s, a random caller id, no API key, 16 MiB arguments,
   * no retries, a stream window of 1,024 items and about 4 MiB, plaintext.
   */
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
    return await(function, inv -> inv.call(null, function, ResultReader.of(resultType), args));
  }

  /**
   * Calls {@code function} and waits for its result, read as a generic type such as
   * {@code new TypeRef<List<Point>>() {}}.
   *
   * @return the result, which may be null
   * @throws RemoteException when the call fails; see {@link #call(String, Class, Object...)}
   */
  public <T> T call(String function, TypeRef<T> resultType, Object... args) {
    return await(function, inv -> inv.call(null, function, ResultReader.of(resultType), args));
  }

  /**
   * Calls {@code function} and waits for its result, with the node that served it and the latency.
   *
   * @throws RemoteException when the call fails; see {@link #call(String, Class, Object...)}
   */
  public <T> CallResult<T> callDetailed(String function, Class<T> resultType, Object... args) {
    return await(function, inv -> inv.call(null, function, ResultReader.of(resultType), args, Client::detailed));
  }

  /**
   * Calls {@code function} and waits for its result, read as a generic type, with the node that
   * served it and the latency.
   *
   * @throws RemoteException when the call fails; see {@link #call(String, Class, Object...)}
   */
  public <T> CallResult<T> callDetailed(String function, TypeRef<T> resultType, Object... args) {
    return await(function, inv -> inv.call(null, function, ResultReader.of(resultType), args, Client::detailed));
  }

  /**
   * Calls {@code function} on the node {@code nodeId} only, bypassing the balancer (but not the
   * node's queue or the gateway's authorisation), and waits for its result. {@code nodeId}
   * overrides a node pinned by {@link CallOptions.Builder#node}.
   *
   * @throws RemoteException {@link ErrorCode#NO_NODE_AVAILABLE} when that node is not connected or
   *     does not offer the function, or any other failure as for {@link #call(String, Class, Object...)}
   */
  public <T> T callNode(String nodeId, String function, Class<T> resultType, Object... args) {
    return await(function, inv -> inv.call(requireNodeId(nodeId), function, ResultReader.of(resultType), args));
  }

  /**
   * Calls {@code function} on the node {@code nodeId} only and waits for its result, read as a
   * generic type.
   *
   * @throws RemoteException as for {@link #callNode(String, String, Class, Object...)}
   */
  public <T> T callNode(String nodeId, String function, TypeRef<T> resultType, Object... args) {
    return await(function, inv -> inv.call(requireNodeId(nodeId), function, ResultReader.of(resultType), args));
  }

  // ------------------------------------------------------------------ by name, asynchronous

  /**
   * Starts a call of {@code function} and returns at once.
   *
   * <p>The future completes on a callback thread of the client (or gRPC's, or the client's retry
   * thread), with the result or exceptionally with a {@link RemoteException}; never on the thread
   * that reads the gateway's replies. Do not block in stages that run there: replies that arrived
   * with this one wait for them (use the {@code *Async} variants). Under a {@link RetryPolicy} it
   * waits between attempts without holding any thread. Cancelling this future cancels the call
   * (and any retry), and the gateway stops it on its node; futures derived from it
   * ({@code thenApply} ...) do not carry cancellation back.
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

  // ------------------------------------------------------------------ streams

  /**
   * Calls a streaming function; its items arrive through the returned stream as the node produces
   * them, flow-controlled (see {@link ResultStream}). Close it to stop early (try-with-resources);
   * the deadline covers the whole stream.
   *
   * <pre>{@code
   * try (ResultStream<String> tokens = client.stream("tokens", String.class, "hello streaming world")) {
   *   for (String token : tokens) System.out.println(token);
   * }
   * }</pre>
   *
   * <p>A plain (non-streaming) function called this way yields its one result as a single item.
   * Streams are not retried by the client.
   *
   * @param itemType the type to read each item as
   * @return the open stream; never null
   * @throws RemoteException at once, without sending anything, for a malformed name or arguments
   *     that cannot be encoded or are too large; failures of the call itself (including
   *     {@link ErrorCode#FUNCTION_NOT_FOUND}) surface while reading, after any items that arrived
   */
  public <T> ResultStream<T> stream(String function, Class<T> itemType, Object... args) {
    return openStream(null, function, ResultReader.of(itemType), args);
  }

  /**
   * As {@link #stream(String, Class, Object...)}, reading each item as a generic type such as
   * {@code new TypeRef<List<Point>>() {}}.
   *
   * @throws RemoteException as for {@link #stream(String, Class, Object...)}
   */
  public <T> ResultStream<T> stream(String function, TypeRef<T> itemType, Object... args) {
    return openStream(null, function, ResultReader.of(itemType), args);
  }

  /**
   * As {@link #stream(String, Class, Object...)}, on the node {@code nodeId} only.
   *
   * @throws RemoteException as for {@link #stream(String, Class, Object...)}; the stream fails with
   *     {@link ErrorCode#NO_NODE_AVAILABLE} when that node is not connected or lacks the function
   */
  public <T> ResultStream<T> streamNode(String nodeId, String function, Class<T> itemType, Object... args) {
    return openStream(requireNodeId(nodeId), function, ResultReader.of(itemType), args);
  }

  /**
   * As {@link #streamNode(String, String, Class, Object...)}, reading each item as a generic type.
   *
   * @throws RemoteException as for {@link #streamNode(String, String, Class, Object...)}
   */
  public <T> ResultStream<T> streamNode(String nodeId, String function, TypeRef<T> itemType, Object... args) {
    return openStream(requireNodeId(nodeId), function, ResultReader.of(itemType), args);
  }

  private <T> ResultStream<T> openStream(String nodeId, String function, ResultReader<T> reader, Object[] args) {
    return new ResultStream<>(invoker.prepareStream(nodeId, function, reader, args).get());
  }

  // ------------------------------------------------------------------ fan-out

  /**
   * Calls {@code function} once per argument list in {@code inputs}, spread over every node that
   * offers it, with the {@link FanOut#DEFAULT default} settings; see
   * {@link #map(String, Class, Iterable, FanOut)}.
   */
  public <T> MapRun<T> map(String function, Class<T> resultType, Iterable<? extends List<?>> inputs) {
    return map(function, resultType, inputs, FanOut.DEFAULT);
  }

  /**
   * Calls {@code function} once per argument list in {@code inputs}, spread over every node that
   * offers it, and returns at once with the running map; its results come in input order as they
   * complete ({@link MapRun}).
   *
   * <pre>{@code
   * List<List<?>> inputs = IntStream.range(0, 1000).mapToObj(i -> List.<Object>of(i)).toList();
   * try (MapRun<Integer> run = client.map("square", Integer.class, inputs, FanOut.builder().onProgress(System.err::println).build())) {
   *   for (MapRun.Item<Integer> item : run) System.out.println(item.index() + " -> " + item.value());
   * }
   * }</pre>
   *
   * <p>Each item is an ordinary call of this client copy (deadline, options, credentials). At most
   * {@link FanOut#window()} run at once: by default the free capacity the gateway reports for the
   * function when the map starts. Items are retried by {@link FanOut#retry()}.
   *
   * @param inputs one {@code List} of arguments per call ({@code List.of()} for none), read lazily
   *     on the map's own thread; a {@link java.util.Collection} tells the progress its total
   * @throws IllegalArgumentException when {@code function} is not a valid name
   */
  public <T> MapRun<T> map(String function, Class<T> resultType, Iterable<? extends List<?>> inputs, FanOut fanOut) {
    return startMap(function, ResultReader.of(resultType), inputs, fanOut);
  }

  /** As {@link #map(String, Class, Iterable, FanOut)}, reading each result as a generic type. */
  public <T> MapRun<T> map(String function, TypeRef<T> resultType, Iterable<? extends List<?>> inputs, FanOut fanOut) {
    return startMap(function, ResultReader.of(resultType), inputs, fanOut);
  }

  private <T> MapRun<T> startMap(String function, ResultReader<T> reader, Iterable<? extends List<?>> inputs, FanOut fanOut) {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(fanOut, "fanOut");
    String problem = io.easyremote.protocol.internal.Names.functionNameProblem(function);
    if (problem != null) {
      throw new IllegalArgumentException("map: invalid function name: " + problem);
    }
    RetryPolicy retry = fanOut.retry() != null ? fanOut.retry()
        : invoker.retryPolicy().maxAttempts() > 1 ? invoker.retryPolicy() : RetryPolicy.builder().build();
    Invoker items = invoker.withOptions(invoker.options().toBuilder().retry(retry).build());
    return new MapRun<>(MapEngine.start(function, inputs, fanOut, () -> Eligible.freeCapacity(invoker, function),
        args -> items.call(null, function, reader, args, (value, node, nanos) -> new MapEngine.Done<>(value, node))));
  }

  /**
   * Calls {@code function} once on every node that offers it and meets this copy's requirements,
   * and waits for every answer; see {@link #broadcast(String, Class, FanOut, Object...)}.
   */
  public <T> Gathered<T> broadcast(String function, Class<T> resultType, Object... args) {
    return broadcast(function, resultType, FanOut.DEFAULT, args);
  }

  /**
   * Calls {@code function} with {@code args} once on every node that offers it and meets this
   * copy's requirements (draining nodes aside), all at once, and gathers the results by node id.
   * Returns as soon as {@link FanOut#quorum()} nodes succeeded (every node by default), cancelling
   * the calls still running; each call's deadline is {@link FanOut#within()} (the client's by
   * default).
   *
   * <pre>{@code
   * Gathered<String> who = client.broadcast("whoami", String.class, FanOut.builder().quorum(2).within(Duration.ofSeconds(10)).build());
   * }</pre>
   *
   * @throws RemoteException {@link ErrorCode#FUNCTION_NOT_FOUND} when no node offers it;
   *     {@link ErrorCode#NO_NODE_AVAILABLE} when none meets the requirements or fewer than the
   *     quorum do; {@link ErrorCode#DEADLINE_EXCEEDED} when the time ran out before the quorum, or
   *     the failures' code when they left the quorum out of reach (the message says what each node
   *     did); {@link ErrorCode#CANCELLED} on interrupt
   */
  public <T> Gathered<T> broadcast(String function, Class<T> resultType, FanOut fanOut, Object... args) {
    return Broadcast.run(invoker, function, ResultReader.of(resultType), Objects.requireNonNull(fanOut, "fanOut"), args);
  }

  /** As {@link #broadcast(String, Class, FanOut, Object...)}, reading each result as a generic type. */
  public <T> Gathered<T> broadcast(String function, TypeRef<T> resultType, FanOut fanOut, Object... args) {
    return Broadcast.run(invoker, function, ResultReader.of(resultType), Objects.requireNonNull(fanOut, "fanOut"), args);
  }

  // ------------------------------------------------------------------ typed proxies and copies

  /**
   * A proxy that implements {@code iface} by calling remote functions, with this client's deadline
   * and options.
   *
   * <p>Each abstract method calls the function of its name, or of {@link Remote#name()} when the
   * method is annotated. Its arguments are the call's arguments. By return type:
   * <ul>
   *   <li>a plain type (anything JSON can represent, or {@code void}): waits for the result and
   *       throws {@link RemoteException}s as {@link #call(String, Class, Object...)} does;
   *   <li>{@code CompletableFuture<T>}: returns at once, as {@link #callAsync(String, Class, Object...)};
   *   <li>{@code Stream<T>}, {@code Iterator<T>}, {@code ResultStream<T>}: opens a stream at once,
   *       as {@link #stream(String, Class, Object...)} (close the {@code Stream} or
   *       {@code ResultStream} to stop early; an {@code Iterator} abandoned early runs on until
   *       its deadline);
   *   <li>{@code Flow.Publisher<T>}: a cold publisher, opening one stream per subscriber when it
   *       subscribes.
   * </ul>
   * Default methods run locally, as written. {@code equals} is identity, {@code hashCode} the
   * identity hash, {@code toString} names the interface and gateway. The proxy is thread-safe.
   *
   * <pre>{@code
   * interface Tokens {
   *   Stream<String> tokens(String text);
   *   CompletableFuture<Integer> count(String text);
   * }
   * try (Stream<String> words = client.proxy(Tokens.class).tokens("a b c")) { ... }
   * }</pre>
   *
   * @throws IllegalArgumentException naming {@code Interface.method} when {@code iface} is not an
   *     interface or one of its methods cannot be served (a raw {@code CompletableFuture},
   *     {@code Stream}, {@code Iterator} or {@code Flow.Publisher}, a {@code Future} other than
   *     {@code CompletableFuture}, another stream or iterator type, a type variable or wildcard,
   *     an invalid function name, a default method of a non-public interface)
   */
  public <T> T proxy(Class<T> iface) {
    return ProxyFactory.create(iface, invoker, "via gateway " + gateway() + " (deadline " + deadline().toMillis() + " ms)",
        (function, reader, args) -> streamOpener(function, reader, args));
  }

  private <T> Supplier<ResultStream<?>> streamOpener(String function, ResultReader<T> reader, Object[] args) {
    Supplier<StreamCall<T>> open = invoker.prepareStream(null, function, reader, args);
    return () -> new ResultStream<>(open.get());
  }

  /**
   * A copy of this client whose calls have {@code deadline} by default. The copy shares this
   * client's connection, caller id, API key, options, retry budget and counters; closing it does
   * nothing, closing the root client closes it too. Cheap: make one per use if needed.
   *
   * @param deadline more than zero and at most {@link #MAX_DEADLINE}
   * @throws IllegalArgumentException when {@code deadline} is out of range
   */
  public Client withDeadline(Duration deadline) {
    return new Client(invoker.withDeadline(checkDeadline(deadline)), callerId, false);
  }

  /**
   * A copy of this client whose calls, streams and proxies carry {@code options} (replacing this
   * client's options): balancing strategy, node requirements, pinned node, deadline, retry policy
   * and idempotency key. Shares the connection, retry budget and counters like
   * {@link #withDeadline}; cheap.
   *
   * <pre>{@code
   * Client gpu = client.withOptions(CallOptions.builder().strategy(Strategy.LEAST_LOADED).require("gpu", "*").build());
   * }</pre>
   *
   * @throws NullPointerException when {@code options} is null
   */
  public Client withOptions(CallOptions options) {
    return new Client(invoker.withOptions(Objects.requireNonNull(options, "options")), callerId, false);
  }

  /**
   * A copy of this client whose calls use {@code strategy}, keeping its other options; shorthand
   * for {@code withOptions(options().toBuilder().strategy(strategy).build())}.
   *
   * @param strategy the strategy, or null for the gateway's default
   */
  public Client withStrategy(Strategy strategy) {
    return withOptions(invoker.options().toBuilder().strategy(strategy).build());
  }

  /** The options this client's calls carry; {@link CallOptions#DEFAULT} for a root client. */
  public CallOptions options() {
    return invoker.options();
  }

  /**
   * What this client, its root and every copy of the root have done so far: calls, attempts,
   * retries and retries the budget refused.
   */
  public ClientStats stats() {
    return invoker.retries().stats();
  }

  // ------------------------------------------------------------------ async jobs

  /**
   * Submits {@code function} as an async job and returns once the gateway has stored it. The job
   * runs as an ordinary call (this client's options apply: node, strategy, requirements), with the
   * gateway's job timeout (1 h by default) rather than this client's deadline; read its outcome
   * with {@link Job#result()}, from here or, by {@link Job#id()}, from another process.
   *
   * @throws RemoteException when the gateway refuses the job (no state store configured:
   *     {@link ErrorCode#INVALID_REQUEST}; no key on a gateway with keys:
   *     {@link ErrorCode#UNAUTHENTICATED}; {@link ErrorCode#PERMISSION_DENIED}; too many stored:
   *     {@link ErrorCode#OVERLOADED}) or cannot be reached; nothing was stored then
   */
  public <T> Job<T> submit(String function, Class<T> resultType, Object... args) {
    return submit(function, ResultReader.of(resultType), args);
  }

  /** As {@link #submit(String, Class, Object...)}, for a generic result type. */
  public <T> Job<T> submit(String function, TypeRef<T> resultType, Object... args) {
    return submit(function, ResultReader.of(resultType), args);
  }

  private <T> Job<T> submit(String function, ResultReader<T> reader, Object[] args) {
    io.easyremote.protocol.wire.CallRequest request = invoker.request(null, function, args);
    io.easyremote.protocol.wire.JobStatus accepted =
        Await.result(io.easyremote.client.internal.jobs.JobCalls.submit(invoker.gateway(), request, invoker.deadline()),
            "submitting '" + function + "'");
    return new Job<>(invoker.gateway(), accepted.getJobId(), function, reader, invoker.deadline());
  }

  /**
   * A handle on job {@code id}, submitted by this process or another with the same key. Nothing
   * is asked of the gateway until the handle is used.
   */
  public <T> Job<T> job(String id, Class<T> resultType) {
    return new Job<>(invoker.gateway(), Objects.requireNonNull(id, "id"), null, ResultReader.of(resultType), invoker.deadline());
  }

  /** As {@link #job(String, Class)}, for a generic result type. */
  public <T> Job<T> job(String id, TypeRef<T> resultType) {
    return new Job<>(invoker.gateway(), Objects.requireNonNull(id, "id"), null, ResultReader.of(resultType), invoker.deadline());
  }

  // ------------------------------------------------------------------ the network

  /**
   * The nodes connected to the gateway now, as it sees them.
   *
   * @throws RemoteException when the gateway cannot answer within the deadline, or refuses
   */
  public List<NodeInfo> nodes() {
    return GatewayQueries.nodes(invoker);
  }

  /**
   * The node {@code nodeId} as the gateway sees it now.
   *
   * @throws RemoteException {@link ErrorCode#NO_NODE_AVAILABLE} when no node of that id is
   *     connected, {@link ErrorCode#INVALID_REQUEST} for a malformed id, or any failure as for
   *     {@link #nodes()}
   */
  public NodeInfo node(String nodeId) {
    return GatewayQueries.node(invoker, requireNodeId(nodeId));
  }

  /**
   * The functions registered at the gateway now, with the nodes offering each. Also refreshes
   * what the client knows of idempotent functions, for retries.
   *
   * @throws RemoteException when the gateway cannot answer within the deadline, or refuses
   */
  public List<FunctionInfo> functions() {
    return GatewayQueries.functions(invoker);
  }

  /**
   * Asks the gateway to drain node {@code nodeId}: no new calls are routed to it, the calls it is
   * running get up to {@code grace} to finish, then it disconnects (a node started by the CLI
   * exits). An operator's request: a closed gateway may require a key allowed to make it.
   *
   * @return the calls still running on the node when the gateway answered
   * @throws IllegalArgumentException when {@code grace} is negative
   * @throws RemoteException {@link ErrorCode#NO_NODE_AVAILABLE} when no node of that id is
   *     connected, {@link ErrorCode#INVALID_REQUEST} for a malformed id, or any failure as for
   *     {@link #nodes()}, such as {@link ErrorCode#PERMISSION_DENIED}
   */
  public int drain(String nodeId, Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0: " + grace);
    }
    return GatewayQueries.drain(invoker, requireNodeId(nodeId), grace);
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

  /** The most items a stream may run ahead of its reader ({@link Builder#streamWindow}). */
  public int streamWindow() {
    return invoker.streamWindow().items();
  }

  /** About how many bytes of items a stream may run ahead of its reader ({@link Builder#streamWindowBytes}). */
  public long streamWindowBytes() {
    return invoker.streamWindow().bytes();
  }

  /**
   * Closes the connection to the gateway, waiting at most 5 seconds for it to terminate. Calls and
   * streams in flight fail with {@link ErrorCode#CANCELLED} (the gateway cancels them on their
   * nodes), as do calls waiting to retry; later calls fail the same way without being sent. Stops
   * the connection's event loop thread and the retry timer thread, so a program that exits right
   * after does not wait for them. Idempotent. On a copy, does nothing: only the root client owns
   * the connection.
   */
  @Override
  public void close() {
    if (root) {
      invoker.retries().close();
      invoker.gateway().close(CLOSE_WAIT);
    }
  }

  @Override
  public String toString() {
    CallOptions options = invoker.options();
    return "Client{gateway=" + gateway() + ", deadline=" + deadline() + ", callerId=" + callerId
        + (options.equals(CallOptions.DEFAULT) ? "" : ", " + options) + (root ? "" : ", derived")
        + (invoker.gateway().isClosed() ? ", closed" : "") + "}";
  }

  private static <T> CallResult<T> detailed(T value, String nodeId, long latencyNanos) {
    return new CallResult<>(value, nodeId, Duration.ofNanos(latencyNanos));
  }

  private <T> T await(String function, Function<Invoker, CompletableFuture<T>> start) {
    return Await.blocking(invoker, "'" + function + "'", start);
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
    private long streamWindowBytes = DEFAULT_STREAM_WINDOW_BYTES;
    private Path trustedCa;
    private boolean tls;
    private io.opentelemetry.api.OpenTelemetry openTelemetry = io.opentelemetry.api.OpenTelemetry.noop();
    private boolean callChannel = true;

    private Builder() {}

    /**
     * Whether calls share one long-lived stream to the gateway (default true): each call is a
     * tagged message on {@code Gateway.CallChannel} instead of an HTTP/2 stream of its own, which
     * saves the gateway most of its per-call work. Deadlines, cancellation, retries and errors
     * behave the same either way. Beyond 8,192 calls in flight a second stream opens (up to
     * four). Calls whose arguments exceed 64 KiB, calls beyond 32,768 in flight, and retries
     * waiting for the gateway to come back, still go as {@code Gateway.Call} each; so does every
     * call to a gateway without the channel. {@code false} sends every call as {@code Gateway.Call}.
     */
    public Builder callChannel(boolean enabled) {
      this.callChannel = enabled;
      return this;
    }

    /**
     * Retries failed calls by {@code retry} (default {@link RetryPolicy#NONE}: no retries). Copies
     * may override it with {@link CallOptions.Builder#retry}.
     *
     * <pre>{@code
     * Client client = Client.builder().gateway("gw:8080").retry(RetryPolicy.builder().maxAttempts(4).build()).build();
     * }</pre>
     */
    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /**
     * The most items a stream's producer may run ahead of its reader (default 1,024): at most that
     * many wait in the client. The window a stream uses is the smaller of this and
     * {@link #streamWindowBytes} divided by the largest item it has received, so small items get
     * the whole window and large ones a few; a stream opens with at most 64 credits, before it has
     * seen an item. Credits are granted each time the reader's takings leave half a window free. A
     * larger window hides the network's latency on fast streams of small items; a smaller one
     * bounds memory.
     *
     * @throws IllegalArgumentException unless 1 to {@link Client#MAX_STREAM_WINDOW}
     */
    public Builder streamWindow(int items) {
      if (items < 1 || items > MAX_STREAM_WINDOW) {
        throw new IllegalArgumentException("streamWindow must be 1 to " + MAX_STREAM_WINDOW + ": " + items);
      }
      this.streamWindow = items;
      return this;
    }

    /**
     * About how many bytes of items a stream's producer may run ahead of its reader (default 4
     * MiB): the stream's window, in items, is this divided by the largest item received so far,
     * at least 1 and at most {@link #streamWindow}. Items that grow after their credits were granted
     * can exceed it, up to that window of the largest items.
     *
     * @throws IllegalArgumentException unless at least 1
     */
    public Builder streamWindowBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("streamWindowBytes must be at least 1: " + bytes);
      }
      this.streamWindowBytes = bytes;
      return this;
    }

    /** Dials the gateway over TLS, trusting the system's certificate authorities. */
    public Builder tls() {
      this.tls = true;
      this.trustedCa = null;
      return this;
    }

    /**
     * Dials the gateway over TLS, trusting only the certificate authority in this PEM file.
     *
     * @throws IllegalArgumentException when the file is not readable
     */
    public Builder tls(Path trustedCaPem) {
      if (!Files.isReadable(Objects.requireNonNull(trustedCaPem, "trustedCaPem"))) {
        throw new IllegalArgumentException("CA file is not readable: " + trustedCaPem);
      }
      this.tls = true;
      this.trustedCa = trustedCaPem;
      return this;
    }

    /**
     * The gateway to call. Required.
     *
     * @param hostPort {@code host:port}: a host name, an IPv4 address or a bracketed IPv6 address,
     *     and a port from 1 to 65535, e.g. {@code gw.example.com:8080}
     * @throws IllegalArgumentException when it is not {@code host:port}
     */
    public Builder gateway(String hostPort) {
      this.gateway = GatewayChannel.checkAddress(hostPort);
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
      if (!GatewayChannel.isHeaderValue(callerId, MAX_CALLER_ID_LENGTH)) {
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
      if (!GatewayChannel.isHeaderValue(apiKey, MAX_API_KEY_LENGTH)) {
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
     * Records a CLIENT span per call ({@code call <function>}) with this OpenTelemetry (your SDK,
     * or {@code GlobalOpenTelemetry.get()}), child of the current span. Default: none recorded;
     * the current trace context is still sent as W3C {@code traceparent} either way, so the
     * gateway and the node join your application's trace.
     */
    public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
      this.openTelemetry = java.util.Objects.requireNonNull(openTelemetry, "openTelemetry");
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
      String caller = callerId != null ? callerId : defaultCallerId();
      GatewayChannel channel = GatewayChannel.open(gateway, caller, apiKey, tls ? new GatewayChannel.Tls(trustedCa) : null, openTelemetry,
          callChannel);
      return new Client(Invoker.root(channel, deadline, maxPayloadBytes, retry,
          new io.easyremote.client.internal.stream.StreamWindow(streamWindow, streamWindowBytes)), caller, true);
    }

    /**
     * {@code client-} and a random (version 4) UUID. A label for fair queueing and the records, not
     * a secret: any caller may send any id. So it comes from {@link ThreadLocalRandom}, not from
     * {@code UUID.randomUUID()}, whose first use sets up a {@code SecureRandom}: about 10 ms of a
     * cold {@code easyremote call}.
     */
    private static String defaultCallerId() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long high = random.nextLong() & ~0xF000L | 0x4000L;
      long low = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
      return "client-" + new UUID(high, low);
    }
  }
}
