package io.easyremote.gateway;

import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.SchedulerSettings;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.gateway.internal.grpc.CallService;
import io.easyremote.gateway.internal.grpc.GrpcFallback;
import io.easyremote.gateway.internal.grpc.GrpcHealth;
import io.easyremote.gateway.internal.grpc.GrpcReflection;
import io.easyremote.gateway.internal.tracing.CallTracing;
import io.easyremote.gateway.internal.tracing.GatewayTelemetry;
import io.easyremote.gateway.internal.grpc.NodeLinkService;
import io.easyremote.gateway.internal.dashboard.DashboardSnapshot;
import io.easyremote.gateway.internal.dashboard.FunctionStats;
import io.easyremote.gateway.internal.dashboard.RecentCalls;
import io.easyremote.gateway.internal.http.CorsPolicy;
import io.easyremote.gateway.internal.http.HttpFrontEnd;
import io.easyremote.gateway.internal.http.JobRoutes;
import io.easyremote.gateway.internal.http.RestCalls;
import io.easyremote.gateway.internal.grpc.JobsService;
import io.easyremote.gateway.internal.jobs.JobService;
import io.easyremote.gateway.internal.jobs.JobSettings;
import io.easyremote.gateway.internal.mcp.McpEndpoint;
import io.easyremote.gateway.internal.credits.Billing;
import io.easyremote.gateway.internal.credits.CreditSettings;
import io.easyremote.gateway.internal.credits.QuotaGate;
import io.easyremote.gateway.internal.credits.Quotas;
import io.easyremote.gateway.internal.http.CreditRoutes;
import io.easyremote.store.Ledger;
import io.easyremote.store.Store;
import io.easyremote.store.UsageTable;
import io.easyremote.store.StoreException;
import io.easyremote.gateway.internal.metrics.CallMetrics;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.gateway.internal.security.NodeAdmission;
import io.easyremote.gateway.internal.tls.TlsRefusals;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.internal.Wire;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EasyRemote gateway: nodes dial in and register functions, callers call them by name, and
 * the gateway routes each call to a node with a free slot. It never runs user code.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.builder().port(0).build().start()) {
 *   System.out.println("listening on " + gateway.address());
 *   gateway.awaitTermination();
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link #builder()} → {@link Builder#build()} (new) → {@link #start()} (serving)
 * → {@link #close()} (drained and stopped). A gateway is started at most once. All methods are
 * thread-safe.
 *
 * <p>Defaults: listens on 127.0.0.1:8080; 16 MiB payload limit; 1,000 queued calls per function;
 * 30 s deadline for calls that carry none; nodes heartbeat every second; close() waits up to
 * 10 s for in-flight calls.
 *
 * <p>The configuration is frozen by {@link Builder#build()}: changing the builder afterwards
 * changes nothing in the gateway it built.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final Config config;
  private final CallScheduler scheduler;
  private final StatusViews status;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Server server;
  private volatile EventLoopGroup ioLoops;
  private volatile JobService jobs;
  private volatile McpEndpoint mcp;
  private volatile Billing billing;
  private volatile QuotaGate quotaGate;
  private volatile io.easyremote.gateway.internal.cluster.GatewayCluster cluster;

  private final CallMetrics metrics = new CallMetrics();
  private final RecentCalls recentCalls = new RecentCalls();
  private final FunctionStats functionStats = new FunctionStats();
  private final GrpcHealth health = new GrpcHealth();
  /** The SDK this gateway made for its OTLP endpoint (closed with it), or null. */
  private final io.opentelemetry.sdk.OpenTelemetrySdk ownTelemetry;
  private final CallTracing tracing;

  /** Everything the builder said, copied at build(): the gateway never reads its builder again. */
  private record Config(String host, int port, int maxPayloadBytes, int maxQueuedCallsPerFunction, int maxFunctionsPerNode,
      Duration defaultDeadline, Duration heartbeatInterval, Duration nodeTimeout, Duration drainTimeout, int streamBufferItems,
      int ioThreads, Strategy defaultStrategy, Duration warmup, int ejectAfterFailures, Duration ejectBackoff,
      Duration registrationGrace, Duration ownershipHold, Duration helloTimeout, boolean insecure, Access access,
      java.nio.file.Path tlsCertChain, java.nio.file.Path tlsPrivateKey, JobConfig jobs,
      List<String> corsOrigins, io.opentelemetry.api.OpenTelemetry openTelemetry, String otlpEndpoint, CreditSettings credits,
      ClusterConfig cluster) {}

  /** Where durable state lives and how jobs are kept (null state and URL: no jobs); which origins may use /mcp. */
  private record JobConfig(java.nio.file.Path state, String stateJdbcUrl, Duration jobRetention, Duration jobTimeout,
      int maxJobResultBytes, int maxStoredJobs, int maxRunningJobs, List<String> mcpAllowedOrigins, io.easyremote.store.SyncMode stateSync) {}

  private Gateway(Config config) {
    this.config = config;
    this.ownTelemetry = config.openTelemetry == null && config.otlpEndpoint != null ? GatewayTelemetry.otlp(config.otlpEndpoint) : null;
    this.tracing = new CallTracing(config.openTelemetry != null ? config.openTelemetry
        : ownTelemetry != null ? ownTelemetry : GatewayTelemetry.off());
    this.scheduler = new CallScheduler(new SchedulerSettings(
        config.maxPayloadBytes, config.maxQueuedCallsPerFunction, config.maxFunctionsPerNode, config.heartbeatInterval,
        config.nodeTimeout, config.defaultStrategy, config.warmup, config.ejectAfterFailures, config.ejectBackoff, config.registrationGrace,
        config.ownershipHold),
        record -> {
          metrics.onCompleted(record);
          recentCalls.onCompleted(record);
          functionStats.onCompleted(record);
          Billing b = billing;
          if (b != null) {
            b.onCompleted(record);
          }
          QuotaGate q = quotaGate;
          if (q != null) {
            q.onCompleted(record);
          }
        });
    this.status = new StatusViews(scheduler);
    metrics.bind(scheduler, status);
  }

  /** A builder with the defaults above. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the port and starts serving; returns once the port is bound.
   *
   * @throws IllegalStateException if already started, or the port cannot be bound
   */
  public Gateway start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("Gateway already started");
    }
    long frameLimit = config.maxPayloadBytes + (1L << 20);
    CallerAuthentication authentication = new CallerAuthentication(config.access);
    JobService jobService = openJobs(authentication);
    jobs = jobService;
    if (config.credits != null) {
      try {
        Billing b = new Billing(new Ledger(jobService.store()), new UsageTable(jobService.store()), scheduler, config.access, config.credits,
            metrics.registry());
        b.start(); // opens the accounts, voids what a previous run of this gateway left reserved
        billing = b;
        scheduler.admission(b);
      } catch (RuntimeException e) {
        jobService.close();
        jobService.store().close();
        throw new IllegalStateException("Cannot start credits: " + e.getMessage(), e);
      }
    }
    if (config.access.hasQuotas()) {
      QuotaGate q = new QuotaGate(new Quotas(config.access, System::currentTimeMillis), billing, scheduler, config.access, metrics.registry());
      quotaGate = q;
      scheduler.admission(q); // quotas first, then the credits reservation
    }
    List<io.grpc.ServerServiceDefinition> services = new java.util.ArrayList<>(List.of(
        new NodeLinkService(scheduler, new NodeAdmission(config.access), config.helloTimeout).bindService(),
        new CallService(scheduler, status, config.defaultDeadline, config.streamBufferItems, authentication, tracing)
            .countingChannels(metrics.registry()).bindService(),
        health.service().bindService()));
    if (jobService != null) {
      services.add(new JobsService(jobService, authentication).bindService());
    }
    com.linecorp.armeria.server.grpc.GrpcServiceBuilder grpcServices = GrpcService.builder();
    services.forEach(grpcServices::addService);
    GrpcReflection.describing(services).forEach(grpcServices::addService);
    GrpcService grpc = grpcServices
        // Binary gRPC and gRPC-Web only. Armeria's default also takes gRPC-JSON, for which it generates a
        // marshaller per message type at start (about 120 classes more in every gateway), for a format
        // no one here uses: JSON callers have the REST API, which checks each function's arguments.
        .supportedSerializationFormats(GrpcSerializationFormats.PROTO, GrpcSerializationFormats.PROTO_WEB,
            GrpcSerializationFormats.PROTO_WEB_TEXT)
        .maxRequestMessageLength((int) Math.min(Integer.MAX_VALUE, frameLimit))
        .maxResponseMessageLength((int) Math.min(Integer.MAX_VALUE, frameLimit))
        .build();
    ServerBuilder builder = Server.builder();
    InetSocketAddress address = new InetSocketAddress(config.host, config.port);
    if (config.tlsCertChain != null) {
      builder.https(address).tls(config.tlsCertChain.toFile(), config.tlsPrivateKey.toFile())
          .childChannelPipelineCustomizer(new TlsRefusals()::installOn);
    } else {
      builder.http(address);
    }
    // gRPC requests get gRPC answers (UNIMPLEMENTED, CANCELLED, ...) even where Armeria answers itself.
    builder.errorHandler(new GrpcFallback());
    builder.decorator(GrpcFallback.unimplemented());
    var cors = CorsPolicy.decorator(config.corsOrigins);
    if (cors != null) {
      builder.decorator(cors);
    }
    addHttpRoutes(builder, authentication);
    EventLoopGroup loops = EventLoopGroups.newEventLoopGroup(config.ioThreads, "easyremote-gateway-io", true);
    ioLoops = loops;
    Server s = builder
        // A node link is one long request: the whole-request limit would cut it. Messages are capped above.
        .maxRequestLength(0)
        // Ours to stop, after the server: Armeria would stop it before the acceptor, which could
        // then take a connection (a node reconnecting) that no loop will ever serve.
        .workerGroup(loops, false)
        // Acceptor loops that stop without Netty's 2 s quiet period (Armeria's own made every stop take 2 s).
        .bossGroupFactory(io.easyremote.gateway.internal.transport.AcceptorLoops::newGroup)
        .requestTimeout(Duration.ZERO)
        // Calls are drained by the scheduler before the server stops.
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
        // Armeria's default 1 s connection drain stays: a stop with a client still connected and a
        // stream open (a call channel) waits it out, but it is also what lets an answer the drain
        // just released reach the client (with no drain, one was cut: GatewayCloseTest).
        .service(grpc)
        .build();
    try {
      s.start().join();
    } catch (CompletionException e) {
      stopLoops(loops);
      Billing b = billing;
      if (b != null) {
        b.close();
      }
      if (jobService != null) {
        jobService.close();
        jobService.store().close();
      }
      throw new IllegalStateException("Cannot listen on " + config.host + ":" + config.port + ": " + e.getCause().getMessage(), e.getCause());
    }
    server = s;
    scheduler.startRegistrationGrace();
    if (config.cluster != null) {
      joinCluster(authentication);
    }
    if (jobService != null) {
      jobService.start(); // recovers jobs left by a previous run; nodes reconnect within the registration grace
    }
    if (!config.access.isClosed() && !isLoopback(config.host)) {
      log.warn("INSECURE: listening on {}:{} without node tokens or client keys: anyone who can reach this port can register and call functions.",
          config.host, port());
    }
    log.info("EasyRemote gateway listening on {}", address());
    return this;
  }

  /** Joins the cluster: publishes the local nodes, forwards what no local node can take, serves what others forward. */
  private void joinCluster(CallerAuthentication authentication) {
    var member = new io.easyremote.gateway.internal.cluster.GatewayCluster(config.cluster.gatewayId(), config.cluster.newDirectory(),
        config.cluster.secret(), scheduler, status, authentication);
    try {
      member.start();
      scheduler.forwardWhenQueued(config.cluster.forwardWhenQueued());
    } catch (java.io.IOException | RuntimeException e) {
      close();
      throw new IllegalStateException("Cannot join the cluster as '" + config.cluster.gatewayId() + "': " + e.getMessage(), e);
    }
    cluster = member;
  }

  /** The cluster as this gateway sees it, with its forwarding counters; null when the gateway is not in a cluster. */
  public ClusterStats clusterStats() {
    var member = cluster;
    return member == null ? null : member.stats();
  }

  /** REST, SSE, status, OpenAPI, metrics and the dashboard, on the same port as gRPC. */
  private void addHttpRoutes(ServerBuilder builder, CallerAuthentication authentication) {
    RestCalls calls = new RestCalls(scheduler, authentication, config.defaultDeadline, config.maxPayloadBytes, config.streamBufferItems)
        .traceWith(tracing);
    DashboardSnapshot dashboard = new DashboardSnapshot(scheduler, status, functionStats, recentCalls);
    if (billing != null) {
      dashboard.withCredits(new io.easyremote.gateway.internal.credits.CreditsDashboard(billing,
          () -> scheduler.read(view -> view.nodes().stream().map(io.easyremote.gateway.internal.core.NodeSession::nodeId).toList())));
    }
    JobService jobService = jobs;
    McpEndpoint agents = new McpEndpoint(scheduler, status, authentication, config.defaultDeadline, config.maxPayloadBytes,
        config.streamBufferItems, config.jobs.mcpAllowedOrigins());
    mcp = agents;
    agents.addTo(builder);
    new HttpFrontEnd(calls, status, metrics, dashboard, recentCalls, scheduler)
        .withJobs(jobService == null ? null : new JobRoutes(jobService, authentication))
        .withCredits(billing == null ? null : new CreditRoutes(billing, calls))
        .addTo(builder);
  }

  /** The job service on the configured state store, or null when the gateway keeps no state. */
  private JobService openJobs(CallerAuthentication authentication) {
    JobConfig j = config.jobs;
    if (j.state() == null && j.stateJdbcUrl() == null) {
      return null;
    }
    Store store;
    try {
      store = j.stateJdbcUrl() != null ? Store.postgres(j.stateJdbcUrl(), null, null, j.stateSync()) : Store.sqlite(j.state(), j.stateSync());
    } catch (StoreException e) {
      throw new IllegalStateException("Cannot open the state store: " + e.getMessage(), e);
    }
    return new JobService(store, scheduler, status, authentication::forPrincipal, new JobSettings("gateway",
        j.jobRetention(), j.jobTimeout(), j.maxJobResultBytes(), j.maxStoredJobs(), j.maxRunningJobs()));
  }

  /** The credits ledger (tests and operators: its audit), or null when credits are off or the gateway is not started. */
  public Ledger ledger() {
    Billing b = billing;
    return b == null ? null : b.ledger();
  }

  /** The bound port (the real one when built with {@code port(0)}). */
  public int port() {
    Server s = server;
    if (s == null) {
      throw new IllegalStateException("Gateway not started");
    }
    return s.activeLocalPort();
  }

  /** {@code host:port} for nodes and clients on this machine to dial. */
  public String address() {
    String host = config.host.equals("0.0.0.0") || config.host.equals("::") ? "127.0.0.1" : config.host;
    return host + ":" + port();
  }

  /**
   * Releases a function name or node id held for an owner whose nodes disconnected, so that a
   * node with another token may take it now (an operator's decision; {@code POST /api/admin/release}
   * with an admin key does the same). Returns whether anything was held.
   */
  public boolean release(String name) {
    return scheduler.release(Objects.requireNonNull(name, "name"));
  }

  /**
   * The nodes connected to this gateway now (in a cluster too: see {@link #clusterNodes()} for the
   * others'). Their load figures are exact.
   */
  public List<NodeInfo> nodes() {
    return status.nodes().stream().map(Wire::fromWire).toList();
  }

  /**
   * Every node of the cluster: this gateway's first, then the other gateways' as the directory
   * knows them (id, gateway, functions, capacity, health, labels, cost; no load figures), each
   * with {@link NodeInfo#gatewayId()}. The same as {@link #nodes()} outside a cluster.
   */
  public List<NodeInfo> clusterNodes() {
    return status.clusterNodes().stream().map(Wire::fromWire).toList();
  }

  /** The functions registered on this gateway's nodes now, sorted by name. */
  public List<FunctionInfo> functions() {
    return status.functions().stream().map(Wire::fromWire).toList();
  }

  /**
   * Every function of the cluster, sorted by name: this gateway's, and those only other gateways'
   * nodes offer, with the spec their gateway shared (by name only until it arrives) and their
   * nodes. The same as {@link #functions()} outside a cluster.
   */
  public List<FunctionInfo> clusterFunctions() {
    return status.clusterFunctions(io.easyremote.gateway.internal.core.CallGrant.OPEN).stream().map(Wire::fromWire).toList();
  }

  /** Calls sent to nodes and not yet answered. */
  public int inFlightCalls() {
    return scheduler.inFlight();
  }

  /** Calls waiting for a free node, or for the credits gate to admit them. */
  public int queuedCalls() {
    return scheduler.queued();
  }

  /** Frames from nodes that were ignored: results or items for calls that node was not running (late, duplicate or forged). */
  public long ignoredFrames() {
    return scheduler.ignoredFrames();
  }

  /** Stream items waiting in the gateway for callers that are not ready to receive them (bounded per stream). */
  public int bufferedStreamItems() {
    return scheduler.bufferedStreamItems().get();
  }

  /** Blocks until the gateway has been closed. */
  public void awaitTermination() throws InterruptedException {
    Server s = server;
    if (s != null) {
      try {
        s.whenClosed().join();
      } catch (CompletionException e) {
        // closed with an error: still terminated
      }
    }
  }

  /**
   * Drains and stops: gRPC health answers NOT_SERVING from the start, new calls are refused with UNAVAILABLE, queued calls fail with UNAVAILABLE
   * (never run, safe to retry), in-flight calls get up to the drain timeout to finish, then node
   * streams are closed and the port is released. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.draining();
    JobService jobService = jobs;
    if (jobService != null) {
      jobService.stopStarting();
    }
    McpEndpoint agents = mcp;
    if (agents != null) {
      agents.close();
    }
    var member = cluster;
    if (member != null) {
      member.leave(); // goodbye first: the other gateways stop forwarding here; what they already forwarded drains below
    }
    scheduler.shutdown(config.drainTimeout);
    if (member != null) {
      member.close(config.drainTimeout); // waits for the calls this gateway forwarded, then disconnects
    }
    Billing b = billing;
    if (b != null) {
      b.close(); // settles what the drained calls left, before the store closes
    }
    if (jobService != null) {
      jobService.close();
      jobService.store().close(); // after the drain: the outcomes of the last calls are written first
    }
    Server s = server;
    if (s != null) {
      s.stop().join();
    }
    EventLoopGroup loops = ioLoops;
    if (loops != null) {
      stopLoops(loops);
    }
    metrics.close();
    if (ownTelemetry != null) {
      ownTelemetry.close(); // flushes the spans still batched
    }
    log.info("EasyRemote gateway stopped");
  }

  /** Stops the event loops without Netty's 2 s quiet period: no connection is left on them. */
  private static void stopLoops(EventLoopGroup loops) {
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Configures a {@link Gateway}. Every setter rejects bad values; nothing is clamped silently. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private int maxPayloadBytes = 16 << 20;
    private int maxQueuedCallsPerFunction = 1000;
    private int maxFunctionsPerNode = 1000;
    private Duration defaultDeadline = Duration.ofSeconds(30);
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration nodeTimeout = Duration.ofSeconds(10);
    private Duration drainTimeout = Duration.ofSeconds(10);
    private int streamBufferItems = 128;
    private int ioThreads = defaultIoThreads();
    private Strategy defaultStrategy = Strategy.SMART;
    private Duration warmup = Duration.ofSeconds(3);
    private int ejectAfterFailures = 5;
    private Duration ejectBackoff = Duration.ofSeconds(1);
    private Duration registrationGrace = Duration.ofSeconds(7);
    private Duration ownershipHold = Duration.ofHours(24);
    private Duration helloTimeout = Duration.ofSeconds(10);
    private boolean insecure;
    private Access access = Access.open();
    private java.nio.file.Path tlsCertChain;
    private java.nio.file.Path tlsPrivateKey;
    private java.nio.file.Path state;
    private String stateJdbcUrl;
    private io.easyremote.store.SyncMode stateSync = io.easyremote.store.SyncMode.FULL;
    private Duration jobRetention = Duration.ofHours(24);
    private Duration jobTimeout = Duration.ofHours(1);
    private int maxJobResultBytes = 16 << 20;
    private int maxStoredJobs = 100_000;
    private int maxRunningJobs = 256;
    private List<String> mcpAllowedOrigins = List.of();
    private List<String> corsOrigins = List.of();
    private io.opentelemetry.api.OpenTelemetry openTelemetry;
    private String otlpEndpoint;
    private String creditsOperator;
    private int creditsFeeBasisPoints;
    private boolean creditsSettleBeforeResult = true;
    private String gatewayId = "gateway";
    private ClusterConfig cluster;

    private Builder() {}

    /**
     * Joins a cluster of gateways on NATS (docs/cluster.md): this gateway publishes its nodes to
     * the others, forwards calls that no local node can take (or that are pinned to another
     * gateway's node) to a gateway that can, and runs the calls they forward here. Default: no
     * cluster; the gateway needs nothing external.
     */
    public Builder cluster(ClusterConfig config) {
      this.cluster = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Charges for calls to functions that have a price ({@code ComputeNode.builder().price(...)},
     * docs/credits.md): before a paid call is routed the most it may cost is reserved from the
     * caller's account (a caller who cannot cover it gets {@code INSUFFICIENT_CREDITS}); when it
     * completes the node owner's account is paid and {@code feeBasisPoints} of each charge
     * (0..10,000) go to {@code operatorAccount}, and its result goes out once that is committed
     * (see {@link #creditsSettleBeforeResult}). Every call that reached a node is metered. Needs
     * a state store ({@link #state} or {@link #stateJdbcUrl}); accounts are those of the client
     * keys and node tokens ({@link Access}). Default: off, every call free.
     */
    public Builder credits(String operatorAccount, int feeBasisPoints) {
      this.creditsOperator = Access.checkAccount(Objects.requireNonNull(operatorAccount, "operatorAccount"), "the operator");
      if (feeBasisPoints < 0 || feeBasisPoints > io.easyremote.store.Ledger.MAX_FEE_BASIS_POINTS) {
        throw new IllegalArgumentException("the operator fee is 0..10000 basis points, not " + feeBasisPoints);
      }
      this.creditsFeeBasisPoints = feeBasisPoints;
      return this;
    }

    /**
     * Whether a paid call's result waits until its settlement is committed to the ledger (default
     * true). With false the result goes out at once and the settlement follows within
     * milliseconds: paid calls are as fast as free ones, but a gateway crash in those milliseconds
     * leaves calls whose results were seen uncharged (their reservations are voided at restart).
     * Free calls never wait either way.
     */
    public Builder creditsSettleBeforeResult(boolean wait) {
      this.creditsSettleBeforeResult = wait;
      return this;
    }

    /**
     * This gateway's id in the ledger (1-32 letters, digits or '_'; default {@code gateway}):
     * it tags the reservations it makes, so a restart voids only its own; give each gateway of a
     * cluster sharing one PostgreSQL its own.
     */
    public Builder gatewayId(String id) {
      if (id == null || !id.matches("[A-Za-z0-9_]{1,32}")) {
        throw new IllegalArgumentException("gateway id must be 1-32 letters, digits or '_': " + id);
      }
      this.gatewayId = id;
      return this;
    }

    /**
     * Keeps durable state (async jobs) in {@code dir/easyremote.db}, an embedded SQLite database
     * (WAL), created when missing. Without state (the default) the gateway runs no async jobs.
     * Jobs accepted survive a crash of the gateway: on the next start on the same directory they
     * run, run again (idempotent functions) or fail with {@code JOB_INTERRUPTED}.
     */
    public Builder state(java.nio.file.Path dir) {
      this.state = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * How far the state store makes each commit durable before what waits on it goes on (a paid
     * call's result, an accepted job): {@code FULL} (the default) on disk, surviving a power loss;
     * {@code NORMAL} safe from a crash of the gateway's process only, several times faster per
     * commit (SQLite {@code synchronous=NORMAL} in WAL mode; PostgreSQL {@code synchronous_commit=off}).
     * See docs/credits.md ("Durability of commits").
     */
    public Builder stateSync(io.easyremote.store.SyncMode sync) {
      this.stateSync = Objects.requireNonNull(sync, "sync");
      return this;
    }

    /**
     * Keeps durable state in PostgreSQL instead of SQLite: {@code jdbc:postgresql://host:port/db},
     * user and password as URL parameters ({@code ?user=..&password=..}) or from the server's own
     * configuration. Wins over {@link #state}.
     */
    public Builder stateJdbcUrl(String jdbcUrl) {
      Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("stateJdbcUrl must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db)");
      }
      this.stateJdbcUrl = jdbcUrl;
      return this;
    }

    /**
     * Browser origins ({@code https://app.example.com}) allowed to use {@code /mcp} besides
     * loopback ones. A request whose {@code Origin} is neither is refused (403), so a web page
     * cannot reach the gateway through DNS rebinding. Requests without an Origin (agents, CLIs)
     * are not affected.
     */
    public Builder mcpAllowedOrigins(List<String> origins) {
      this.mcpAllowedOrigins = List.copyOf(Objects.requireNonNull(origins, "origins"));
      return this;
    }

    /** How long a finished job's result is kept before it expires; default 24 h. */
    public Builder jobRetention(Duration retention) {
      this.jobRetention = positive(retention, "jobRetention");
      return this;
    }

    /** A job's deadline, from each start, when its submitter names none; default 1 h. */
    public Builder jobTimeout(Duration timeout) {
      this.jobTimeout = positive(timeout, "jobTimeout");
      return this;
    }

    /** The largest job result stored, in bytes; a larger one fails the job with PAYLOAD_TOO_LARGE. Default 16 MiB. */
    public Builder maxJobResultBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxJobResultBytes must be > 0: " + bytes);
      }
      this.maxJobResultBytes = bytes;
      return this;
    }

    /** The most jobs kept until they expire; beyond it submissions get OVERLOADED. Default 100,000. */
    public Builder maxStoredJobs(int jobs) {
      if (jobs < 1) {
        throw new IllegalArgumentException("maxStoredJobs must be > 0: " + jobs);
      }
      this.maxStoredJobs = jobs;
      return this;
    }

    /**
     * The most jobs running at once (handed to the scheduler); the others wait, stored, in order.
     * Default 256. After a crash, running jobs of non-idempotent functions fail with
     * JOB_INTERRUPTED, so a smaller number also bounds how many can.
     */
    public Builder maxRunningJobs(int jobs) {
      if (jobs < 1) {
        throw new IllegalArgumentException("maxRunningJobs must be > 0: " + jobs);
      }
      this.maxRunningJobs = jobs;
      return this;
    }

    /**
     * Who may register and call: node tokens, client keys, public functions. Default
     * {@link Access#open()}, which is only accepted on loopback or with {@link #insecure}.
     */
    public Builder access(Access access) {
      this.access = Objects.requireNonNull(access, "access");
      return this;
    }

    /** The address to listen on; default {@code 127.0.0.1}. Anything beyond loopback needs credentials or {@link #insecure}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port; 0 picks a free one (read it back with {@link Gateway#port()}). Default 8080. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** The largest request or result payload in bytes; default 16 MiB. */
    public Builder maxPayloadBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxPayloadBytes must be > 0: " + bytes);
      }
      this.maxPayloadBytes = bytes;
      return this;
    }

    /** How many calls may wait per function when all its nodes are busy; default 1,000. A full queue answers OVERLOADED. */
    public Builder maxQueuedCallsPerFunction(int calls) {
      if (calls < 0) {
        throw new IllegalArgumentException("maxQueuedCallsPerFunction must be >= 0: " + calls);
      }
      this.maxQueuedCallsPerFunction = calls;
      return this;
    }

    /** How many functions one node may register; default 1,000. */
    public Builder maxFunctionsPerNode(int functions) {
      if (functions < 1) {
        throw new IllegalArgumentException("maxFunctionsPerNode must be > 0: " + functions);
      }
      this.maxFunctionsPerNode = functions;
      return this;
    }

    /** The deadline for calls that arrive without one; default 30 s. */
    public Builder defaultDeadline(Duration deadline) {
      this.defaultDeadline = positive(deadline, "defaultDeadline");
      return this;
    }

    /**
     * How often nodes send heartbeats; default 1 s. A node silent for two intervals gets no new
     * calls until it is heard again.
     */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = positive(interval, "heartbeatInterval");
      return this;
    }

    /**
     * How long a node may stay silent, its stream still open, before the gateway gives it up as
     * lost: its calls in flight are then re-queued when they may be retried, and fail with
     * NODE_LOST otherwise. Default 10 s; never less than three heartbeat intervals. A closed
     * stream removes a node at once.
     *
     * <p>Silence alone already stops new calls after two intervals; giving a node up is kept for
     * longer because a node that is alive but starved of CPU (a burst of thousands of calls, a
     * long GC pause, a Raspberry Pi at full load) falls silent for seconds too, and its calls
     * would mostly still finish.
     */
    public Builder nodeTimeout(Duration timeout) {
      this.nodeTimeout = positive(timeout, "nodeTimeout");
      return this;
    }

    /** How long {@link Gateway#close()} waits for in-flight calls; default 10 s. */
    public Builder drainTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "drainTimeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout must be >= 0: " + timeout);
      }
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * For this long after the gateway starts listening, a call to a function no node offers waits for one to register
     * instead of failing with FUNCTION_NOT_FOUND: after a gateway restart, nodes need a moment to
     * reconnect. Default 7 s: longer than a node's longest reconnect backoff (5 s, jittered) plus
     * a connection and its Hello, so a restart never answers FUNCTION_NOT_FOUND for a function
     * whose nodes are on their way back. Zero answers at once.
     */
    public Builder registrationGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("registrationGrace must be >= 0: " + grace);
      }
      this.registrationGrace = grace;
      return this;
    }

    /**
     * How long function names and node ids stay bound to the token that registered them after
     * all its nodes disconnected: meanwhile a node with another token cannot take them (unless
     * both tokens' scopes name the function, or an admin releases it with {@link Gateway#release}).
     * Default 24 h; zero releases names as soon as their last node leaves.
     */
    public Builder ownershipHold(Duration hold) {
      Objects.requireNonNull(hold, "hold");
      if (hold.isNegative()) {
        throw new IllegalArgumentException("ownershipHold must be >= 0: " + hold);
      }
      this.ownershipHold = hold;
      return this;
    }

    /**
     * How long a new node link may stay open without sending its Hello; default 10 s (room for a
     * Hello of a thousand functions over a slow uplink). Links that
     * never introduce themselves are closed with DEADLINE_EXCEEDED, and at most
     * {@value io.easyremote.gateway.internal.grpc.NodeLinkService#MAX_PENDING_HELLOS} may wait at once.
     */
    public Builder helloTimeout(Duration timeout) {
      this.helloTimeout = positive(timeout, "helloTimeout");
      return this;
    }

    /** The strategy for calls that name none; default {@link Strategy#SMART}. */
    public Builder defaultStrategy(Strategy strategy) {
      this.defaultStrategy = Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /** How long a newly connected node gets a ramped share of traffic (10% rising to 100%); default 3 s, zero = none. */
    public Builder warmup(Duration warmup) {
      Objects.requireNonNull(warmup, "warmup");
      if (warmup.isNegative()) {
        throw new IllegalArgumentException("warmup must be >= 0: " + warmup);
      }
      this.warmup = warmup;
      return this;
    }

    /**
     * Outlier ejection: after {@code failures} consecutive failed calls (the function threw or the
     * node failed) a node gets no new calls for {@code backoff}, doubling on each repeat up to
     * 30 s. Defaults: 5 and 1 s; 0 failures disables ejection. A call is never starved: when every
     * node that could run it is ejected, ejection is ignored.
     */
    public Builder ejection(int failures, Duration backoff) {
      if (failures < 0) {
        throw new IllegalArgumentException("failures must be >= 0: " + failures);
      }
      this.ejectAfterFailures = failures;
      this.ejectBackoff = positive(backoff, "backoff");
      return this;
    }

    /**
     * The most items the gateway holds per stream for a caller that is not reading (gRPC streams
     * and Server-Sent Events alike); beyond it no credits are passed on, so the node's producer
     * waits. Default 128.
     */
    public Builder streamBufferItems(int items) {
      if (items < 1) {
        throw new IllegalArgumentException("streamBufferItems must be > 0: " + items);
      }
      this.streamBufferItems = items;
      return this;
    }

    /**
     * The event-loop threads that read and write every connection, callers' and nodes' alike.
     * Default: one per four CPU cores, at least one (one on a small VPS).
     *
     * <p>A relayed call is read on its caller's connection and written to its node's, and back:
     * when the two connections live on different loops, each direction pays a thread wake-up
     * (tens of microseconds on a small machine). One loop avoids them all and relays over 20,000
     * small calls/s on one core ({@code docs/benchmarks.md}); add threads when one core of relaying is
     * not enough.
     */
    public Builder ioThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("ioThreads must be > 0: " + threads);
      }
      this.ioThreads = threads;
      return this;
    }

    private static int defaultIoThreads() {
      return Math.max(1, Runtime.getRuntime().availableProcessors() / 4);
    }

    /**
     * Serves TLS only (gRPC and HTTP alike) with a PEM certificate chain and its PEM private key
     * (PKCS#8). Nodes and clients then dial with TLS and verify the chain.
     */
    public Builder tls(java.nio.file.Path certChainPem, java.nio.file.Path privateKeyPem) {
      for (java.nio.file.Path file : new java.nio.file.Path[] {certChainPem, privateKeyPem}) {
        if (!java.nio.file.Files.isReadable(Objects.requireNonNull(file, "tls file"))) {
          throw new IllegalArgumentException("TLS file is not readable: " + file);
        }
      }
      this.tlsCertChain = certChainPem;
      this.tlsPrivateKey = privateKeyPem;
      return this;
    }

    /**
     * Records OpenTelemetry spans of every call with this SDK (or API implementation): {@code
     * gateway <function>}, its {@code queue} wait and each {@code dispatch} to a node, joined to the
     * caller's trace when the call carries a W3C {@code traceparent}. Default: none recorded (the
     * trace context still reaches the node). See {@link #otlpEndpoint} for a self-contained exporter.
     */
    public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /**
     * Exports the gateway's spans over OTLP/HTTP to this endpoint (e.g.
     * {@code http://localhost:4318/v1/traces}), as service {@code easyremote-gateway}. Default: off.
     * Ignored when {@link #openTelemetry} is set.
     *
     * @throws IllegalArgumentException unless it is an http(s) URL
     */
    public Builder otlpEndpoint(String endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      if (!endpoint.matches("https?://.+")) {
        throw new IllegalArgumentException("otlpEndpoint must be an http(s) URL such as http://localhost:4318/v1/traces: " + endpoint);
      }
      this.otlpEndpoint = endpoint;
      return this;
    }

    /**
     * Web pages on these origins may call the HTTP API from a browser (CORS, preflight included):
     * {@code https://app.example.com}, {@code http://localhost:3000}, or {@code *} for any origin.
     * Default: none, so only the gateway's own pages (dashboard, {@code /docs}) can. Calls still
     * need a client key where the gateway requires one; cookies are never honoured.
     *
     * @throws IllegalArgumentException for an origin that is not {@code scheme://host[:port]} or {@code *}
     */
    public Builder corsOrigins(String... origins) {
      List<String> checked = new java.util.ArrayList<>();
      for (String origin : origins) {
        checked.add(CorsPolicy.checkOrigin(Objects.requireNonNull(origin, "origin")));
      }
      this.corsOrigins = List.copyOf(checked);
      return this;
    }

    /**
     * Allows listening beyond loopback without node tokens and client keys. Anyone who reaches
     * the port can then register functions and call them; the gateway warns loudly.
     */
    public Builder insecure(boolean insecure) {
      this.insecure = insecure;
      return this;
    }

    /**
     * Builds a gateway that is not yet listening.
     *
     * @throws IllegalStateException when the host is not loopback and no credentials are configured
     *     and {@link #insecure(boolean)} was not set
     */
    public Gateway build() {
      if (creditsOperator != null && state == null && stateJdbcUrl == null) {
        throw new IllegalStateException("credits(...) needs a state store for its ledger: set state(dir) or stateJdbcUrl(url) "
            + "(easyremote gateway --state DIR).");
      }
      if (!isLoopback(host) && !insecure && !access.isClosed()) {
        throw new IllegalStateException("Refusing to listen on " + host + " without node tokens and client keys: "
            + "anyone who can reach it could register functions under your names or call your nodes. "
            + "Configure both (easyremote keygen prints the entries for gateway.yaml; start with --config gateway.yaml), "
            + "listen on 127.0.0.1 (the default), or pass --insecure (Gateway.builder().insecure(true)) to run an open gateway knowingly.");
      }
      if (cluster != null && !access.clientKeys().isEmpty() && !cluster.signed()) {
        throw new IllegalStateException("A gateway with client keys joins a cluster only with a cluster secret "
            + "(ClusterConfig.builder().secret(...), easyremote gateway --cluster-secret or EASYREMOTE_CLUSTER_SECRET): "
            + "without it, any process that may publish on NATS could forward calls in any key's name.");
      }
      return new Gateway(new Config(host, port, maxPayloadBytes, maxQueuedCallsPerFunction, maxFunctionsPerNode, defaultDeadline,
          heartbeatInterval, nodeTimeout, drainTimeout, streamBufferItems, ioThreads, defaultStrategy, warmup, ejectAfterFailures,
          ejectBackoff, registrationGrace, ownershipHold, helloTimeout, insecure, access, tlsCertChain, tlsPrivateKey,
          new JobConfig(state, stateJdbcUrl, jobRetention, jobTimeout, maxJobResultBytes, maxStoredJobs, maxRunningJobs,
              mcpAllowedOrigins, stateSync),
          List.copyOf(corsOrigins), openTelemetry, otlpEndpoint,
          creditsOperator == null ? null : new CreditSettings(gatewayId, creditsOperator, creditsFeeBasisPoints,
              creditsSettleBeforeResult), cluster));
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0: " + d);
      }
      return d;
    }
  }
}
