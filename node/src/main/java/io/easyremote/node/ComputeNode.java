package io.easyremote.node;

import io.easyremote.node.internal.exec.CallRunner;
import io.easyremote.node.internal.exec.FunctionExecutors;
import io.easyremote.node.internal.link.GatewayLink;
import io.easyremote.node.internal.registry.FunctionScanner;
import io.easyremote.node.internal.registry.RemoteFunction;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.Version;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.wire.Hello;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compute node: registers plain Java methods and runs them on this machine for the callers of
 * a gateway. The node dials out to the gateway (no open port needed behind NAT), keeps one stream
 * open, heartbeats its CPU, memory and GPU figures, and reconnects by itself when the stream
 * breaks.
 *
 * <pre>{@code
 * try (ComputeNode node = ComputeNode.builder()
 *     .gateway("gw.example.com:8080")
 *     .token(System.getenv("EASYREMOTE_TOKEN"))
 *     .register(new MathFunctions())
 *     .register("echo", String.class, s -> s)
 *     .build()
 *     .start()) {
 *   node.awaitTermination();
 * }
 * }</pre>
 *
 * <p>Lifecycle: built → {@link #start()} (registered; returns once the gateway acknowledged) →
 * {@link #close()} (drained: the gateway stops routing here, running calls finish within the
 * drain timeout, then the stream closes). A gateway-requested drain closes the node the same way.
 * Functions run on virtual threads on Java 21+, on a pool of {@code maxConcurrency} threads on 17,
 * never on the network thread. Thread-safe.
 *
 * <p>Defaults: id {@code hostname-pid}; 16 concurrent calls; connect timeout 10 s; reconnect
 * backoff 100 ms doubling to 5 s, jittered; drain timeout 30 s.
 */
public final class ComputeNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ComputeNode.class);

  private final Settings config;

  /** Everything the builder set, copied at {@link Builder#build()}: changing the builder afterwards changes nothing. */
  private record Settings(String id, List<String> gateways, String token, int maxConcurrency, Map<String, String> labels,
      double cost, Map<String, RemoteFunction> functions, Duration connectTimeout, Duration initialBackoff, Duration maxBackoff,
      Duration drainTimeout, io.grpc.ChannelCredentials credentials, io.opentelemetry.api.OpenTelemetry openTelemetry,
      Map<String, Price> prices) {}

  /** A function's price, in the smallest unit of credits. */
  private record Price(long perCall, long perSecond) {}
  private final Map<String, RemoteFunction> functions;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  private final CallRunner runner;
  private final GatewayLink link;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch terminated = new CountDownLatch(1);

  private ComputeNode(Settings config) {
    this.config = config;
    this.functions = Map.copyOf(config.functions());
    this.executor = FunctionExecutors.create(config.maxConcurrency());
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread t = new Thread(runnable, "easyremote-node-" + config.id());
      t.setDaemon(true);
      return t;
    });
    // Every call schedules its deadline here and cancels it when it ends: without this, a busy
    // node would keep each cancelled timer queued until its deadline (300,000 of them at 10,000
    // calls/s with 30 s deadlines).
    timer.setRemoveOnCancelPolicy(true);
    this.scheduler = timer;
    this.runner = new CallRunner(config.id(), functions, config.maxConcurrency(), executor, scheduler);
    runner.traceWith(new io.easyremote.node.internal.exec.NodeTracing(config.openTelemetry()));
    Hello.Builder hello = Hello.newBuilder()
        .setNodeId(config.id())
        .setVersion(Version.CURRENT)
        .putAllLabels(config.labels())
        .setMaxConcurrency(config.maxConcurrency())
        .setCost(config.cost())
        .setBatches(true)
        .setParts(true);
    if (config.token() != null) {
      hello.setToken(config.token());
    }
    config.functions().values().forEach(fn -> {
      Price price = config.prices().get(fn.name());
      hello.addFunctions(price == null ? fn.spec()
          : fn.spec().toBuilder().setPricePerCall(price.perCall()).setPricePerSecond(price.perSecond()).build());
    });
    this.link = new GatewayLink(config.gateways(), config.credentials(), hello.build(), runner, scheduler, config.initialBackoff(), config.maxBackoff(),
        reason -> {
          log.info("The gateway asked node '{}' to drain: {}", config.id(), reason);
          Thread closer = new Thread(this::close, "easyremote-node-drain");
          closer.setDaemon(true);
          closer.start();
        });
  }

  /** A builder; {@link Builder#gateway} and at least one function are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Connects and registers; returns once the gateway sent Welcome. Retries refused connections
   * until the connect timeout.
   *
   * @return this node
   * @throws RemoteException the gateway's rejection (its code and message), or
   *     {@code UNAVAILABLE} when it could not be reached in time
   * @throws IllegalStateException if already started
   */
  public ComputeNode start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("ComputeNode '" + config.id() + "' already started");
    }
    try {
      link.start(config.connectTimeout());
    } catch (RuntimeException e) {
      shutdownThreads();
      terminated.countDown();
      throw e;
    }
    log.info("Node '{}' serving {} function(s) {} via {}{}", config.id(), functions.size(), functions.keySet(),
        String.join(",", config.gateways()), FunctionExecutors.usesVirtualThreads() ? " on virtual threads" : "");
    return this;
  }

  /** The node id the gateway knows this node by. */
  public String id() {
    return config.id();
  }

  /** Whether the node is registered with a gateway right now (false while reconnecting). */
  public boolean isConnected() {
    return link.isConnected();
  }

  /** The names of the functions this node offers. */
  public List<String> functions() {
    return List.copyOf(functions.keySet());
  }

  /** Calls running now. */
  public int inFlight() {
    return runner.inFlight();
  }

  /** Blocks until the node is closed (by {@link #close()} or a gateway-requested drain). */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  /**
   * Drains and stops: tells the gateway to stop routing here, lets running calls finish within
   * the drain timeout (then interrupts them), and closes the stream. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      try {
        terminated.await(config.drainTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try {
      if (started.get() && link.isConnected()) {
        link.announceDrain("node closing", Duration.ofSeconds(2));
        if (!runner.awaitIdle(config.drainTimeout())) {
          log.warn("Node '{}': {} call(s) still running after the drain timeout; interrupting them", config.id(), runner.inFlight());
          runner.cancelAll();
          runner.awaitIdle(Duration.ofSeconds(2));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      link.close();
      shutdownThreads();
      terminated.countDown();
      log.info("Node '{}' stopped", config.id());
    }
  }

  private void shutdownThreads() {
    executor.shutdownNow();
    scheduler.shutdownNow();
  }

  /** Configures a {@link ComputeNode}. Setters reject bad values; nothing is clamped silently. */
  public static final class Builder {
    private List<String> gateways;
    private String id = ComputeNode.defaultId();
    private String token;
    private int maxConcurrency = 16;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private double cost;
    private final Map<String, RemoteFunction> functions = new LinkedHashMap<>();
    private final Map<String, Price> prices = new LinkedHashMap<>();
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private Duration drainTimeout = Duration.ofSeconds(30);
    private boolean tls;
    private java.nio.file.Path trustedCa;
    private io.opentelemetry.api.OpenTelemetry openTelemetry = io.opentelemetry.api.OpenTelemetry.noop();

    private Builder() {}

    /**
     * Records an {@code execute <function>} span per call with this OpenTelemetry (your SDK, or
     * {@code GlobalOpenTelemetry.get()}), continuing the caller's trace that the gateway passes on;
     * the span is current while the function runs. Default: none recorded.
     */
    public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
      this.openTelemetry = java.util.Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /** Dials the gateway over TLS, trusting the system's certificate authorities. */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /** Dials the gateway over TLS, trusting only the certificate authority in this PEM file (e.g. your own CA). */
    public Builder tls(java.nio.file.Path trustedCaPem) {
      if (!java.nio.file.Files.isReadable(Objects.requireNonNull(trustedCaPem, "trustedCaPem"))) {
        throw new IllegalArgumentException("CA file is not readable: " + trustedCaPem);
      }
      this.tls = true;
      this.trustedCa = trustedCaPem;
      return this;
    }

    io.grpc.ChannelCredentials credentials() {
      if (!tls) {
        return io.grpc.InsecureChannelCredentials.create();
      }
      if (trustedCa == null) {
        return io.grpc.TlsChannelCredentials.create();
      }
      try {
        return io.grpc.TlsChannelCredentials.newBuilder().trustManager(trustedCa.toFile()).build();
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("Cannot read CA file " + trustedCa + ": " + e.getMessage(), e);
      }
    }

    /**
     * The gateway's {@code host:port}; several separated by commas are tried in turn on each
     * reconnect ({@code "a:8080,b:8080"}).
     */
    public Builder gateway(String addresses) {
      Objects.requireNonNull(addresses, "addresses");
      List<String> list = new ArrayList<>();
      for (String a : addresses.split(",")) {
        String address = a.trim();
        if (!address.isEmpty()) {
          if (address.lastIndexOf(':') <= 0) {
            throw new IllegalArgumentException("gateway address must be host:port, got '" + address + "'");
          }
          list.add(address);
        }
      }
      if (list.isEmpty()) {
        throw new IllegalArgumentException("gateway address is empty");
      }
      this.gateways = list;
      return this;
    }

    /** The node id; default {@code hostname-pid}. A reconnect under the same id replaces the old session. */
    public Builder id(String id) {
      String problem = Names.nodeIdProblem(id);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      this.id = id;
      return this;
    }

    /** The node token the gateway requires to register (may be null for an open gateway). */
    public Builder token(String token) {
      this.token = token == null || token.isBlank() ? null : token;
      return this;
    }

    /** The most calls run at once; default 16. */
    public Builder maxConcurrency(int maxConcurrency) {
      if (maxConcurrency < 1) {
        throw new IllegalArgumentException("maxConcurrency < 1: " + maxConcurrency);
      }
      this.maxConcurrency = maxConcurrency;
      return this;
    }

    /** A label callers can require, such as {@code gpu=rtx4090} or {@code region=eu}. */
    public Builder label(String key, String value) {
      if (key == null || key.isBlank() || value == null) {
        throw new IllegalArgumentException("label needs a non-blank key and a value");
      }
      labels.put(key, value);
      return this;
    }

    /** The declared cost per call, for the {@code cost_aware} strategy and cost limits; default 0. */
    public Builder cost(double cost) {
      if (cost < 0 || Double.isNaN(cost)) {
        throw new IllegalArgumentException("cost must be >= 0: " + cost);
      }
      this.cost = cost;
      return this;
    }

    /**
     * Sets the price of {@code function} (registered before {@link #build()}): credits per call
     * and per second of execution, integers in the smallest unit; 0 and 0 (the default) = free.
     * A gateway with credits on reserves the most a call may cost from its caller before
     * dispatch and pays this node's owner at completion (docs/credits.md); a gateway without
     * credits ignores prices.
     *
     * @throws IllegalArgumentException for a negative price
     */
    public Builder price(String function, long perCall, long perSecond) {
      Objects.requireNonNull(function, "function");
      if (perCall < 0 || perSecond < 0) {
        throw new IllegalArgumentException("prices of '" + function + "' must be >= 0: " + perCall + " per call, " + perSecond
            + " per second");
      }
      prices.put(function, new Price(perCall, perSecond));
      return this;
    }

    /**
     * Registers every public {@code @Remote} method of {@code functions}.
     *
     * @throws IllegalArgumentException when it has none, or a name is taken
     */
    public Builder register(Object functions) {
      Objects.requireNonNull(functions, "functions");
      for (RemoteFunction fn : FunctionScanner.scan(functions)) {
        add(fn);
      }
      return this;
    }

    /** Registers a one-argument lambda; its argument type is passed since lambdas lose generics. */
    public <A, R> Builder register(String name, Class<A> argType, Function<? super A, ? extends R> function) {
      add(FunctionScanner.fromLambda(name, Objects.requireNonNull(argType, "argType"), Objects.requireNonNull(function, "function")));
      return this;
    }

    /** Registers a two-argument lambda. */
    public <A, B, R> Builder register(String name, Class<A> first, Class<B> second, BiFunction<? super A, ? super B, ? extends R> function) {
      add(FunctionScanner.fromLambda(name, first, second, Objects.requireNonNull(function, "function")));
      return this;
    }

    private void add(RemoteFunction fn) {
      RemoteFunction previous = functions.putIfAbsent(fn.name(), fn);
      if (previous != null) {
        throw new IllegalArgumentException("function '" + fn.name() + "' registered twice (" + previous.origin() + " and " + fn.origin() + ")");
      }
    }

    /** How long {@link ComputeNode#start()} keeps trying to register; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** Reconnect backoff: starts at {@code initial}, doubles up to {@code max}, jittered; defaults 100 ms and 5 s. */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      this.initialBackoff = positive(initial, "initial backoff");
      this.maxBackoff = positive(max, "max backoff");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max backoff " + max + " < initial " + initial);
      }
      return this;
    }

    /** How long {@link ComputeNode#close()} lets running calls finish; default 30 s. */
    public Builder drainTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "drainTimeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout must be >= 0: " + timeout);
      }
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * Builds a node that is not yet connected.
     *
     * @throws IllegalStateException without a gateway address or any function
     */
    public ComputeNode build() {
      if (gateways == null) {
        throw new IllegalStateException("gateway(...) is required, e.g. gateway(\"127.0.0.1:8080\")");
      }
      if (functions.isEmpty()) {
        throw new IllegalStateException("register at least one function");
      }
      for (String priced : prices.keySet()) {
        if (!functions.containsKey(priced)) {
          throw new IllegalStateException("price(...) names '" + priced + "', which is not registered");
        }
      }
      return new ComputeNode(new Settings(id, List.copyOf(gateways), token, maxConcurrency, Map.copyOf(labels), cost,
          Collections.unmodifiableMap(new LinkedHashMap<>(functions)), connectTimeout, initialBackoff, maxBackoff, drainTimeout,
          credentials(), openTelemetry, Map.copyOf(prices)));
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0: " + d);
      }
      return d;
    }
  }

  /** The id a node gets when none is set: {@code hostname-pid}. */
  public static String defaultId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "node";
    }
    String pid = String.valueOf(ProcessHandle.current().pid());
    String id = (host + "-" + pid).replaceAll("[^A-Za-z0-9_.\\-:@]", "-");
    return Names.nodeIdProblem(id) == null ? id : "node-" + pid;
  }

  @Override
  public String toString() {
    return "ComputeNode[" + config.id() + " -> " + String.join(",", config.gateways()) + ", functions=" + Arrays.toString(functions.keySet().toArray()) + "]";
  }
}
