package io.easyremote.gateway.internal.cluster;

import io.easyremote.cluster.DirectoryView;
import io.easyremote.cluster.LocalNode;
import io.easyremote.cluster.NatsDirectory;
import io.easyremote.cluster.NodeHealth;
import io.easyremote.cluster.RemoteNode;
import io.easyremote.gateway.ClusterStats;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.wire.NodeInfo;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway's membership of a cluster: its directory (the local nodes published when they join,
 * drain or leave, and their load every {@link #LOAD_INTERVAL}), a second NATS connection that
 * forwards calls to other gateways and serves the calls they forward here. Lifecycle: {@link
 * #start} once, {@link #close} once (after the scheduler drained).
 */
public final class GatewayCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayCluster.class);
  /** How often the local nodes' load is published (the directory's heartbeat carries it on). */
  static final Duration LOAD_INTERVAL = Duration.ofMillis(500);
  static final String FORWARD_SUBJECT = "easyremote.fwd";

  private final String gatewayId;
  private final NatsDirectory directory;
  private final ForwardSigner signer;
  private final CallScheduler scheduler;
  private final StatusViews status;
  private final CallerAuthentication authentication;
  /** Publishes the directory and shared rates, and times out forwarded calls. */
  private final ScheduledExecutorService timer;
  /** The timer's periodic tasks, stopped when the gateway leaves. */
  private final List<ScheduledFuture<?>> periodic = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicBoolean publishScheduled = new AtomicBoolean();
  /** Set by {@link #leave}: node changes during the drain are not published any more. */
  private volatile boolean leaving;
  private volatile Connection connection;
  private volatile ClusterForwarder forwarder;
  private volatile ForwardedCallServer server;
  private volatile SharedRates rates;

  /**
   * @param directory the directory, not yet started
   * @param secret the cluster secret that signs forwarded calls, or null
   */
  public GatewayCluster(String gatewayId, NatsDirectory directory, byte[] secret, CallScheduler scheduler, StatusViews status,
      CallerAuthentication authentication) {
    this.gatewayId = gatewayId;
    this.directory = directory;
    this.signer = new ForwardSigner(secret);
    this.scheduler = scheduler;
    this.status = status;
    this.authentication = authentication;
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "easyremote-cluster-" + gatewayId);
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true); // every forwarded call answered in time cancels its timeout here
    this.timer = t;
  }

  /**
   * Connects the directory and the forwarding connection, starts serving forwarded calls and
   * forwarding calls no local node can take.
   *
   * @throws IOException when NATS cannot be reached or refuses the credentials (the message says which)
   */
  public void start() throws IOException {
    directory.publish(localNodes());
    directory.start();
    Connection conn;
    try {
      conn = Nats.connect(directory.connectionOptions("easyremote-forward-" + gatewayId)
          .connectionListener((c, event) -> {
            log.info("Cluster {}: forwarding connection {} ({})", gatewayId, event, c.getConnectedUrl());
            ClusterForwarder f = forwarder;
            ForwardedCallServer served = server;
            if (event == io.nats.client.ConnectionListener.Events.DISCONNECTED) {
              if (f != null) {
                f.connectionLost(); // answers sent to us meanwhile are lost: do not wait for them until the deadline
              }
              if (served != null) {
                served.connectionLost(); // our answers wait for the reconnect
              }
            } else if (event == io.nats.client.ConnectionListener.Events.RECONNECTED) {
              if (f != null) {
                f.connectionBack();
              }
              if (served != null) {
                served.connectionBack(directory.view().gateways().keySet()); // and the others learn what of ours may be lost
              }
            }
          })
          .build());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      directory.close();
      throw new IOException("interrupted while connecting to NATS", e);
    } catch (IOException e) {
      directory.close();
      throw new IOException("Cluster " + gatewayId + ": the forwarding connection to NATS failed: " + e.getMessage(), e);
    }
    connection = conn;
    ForwardedCallServer s = new ForwardedCallServer(gatewayId, scheduler, authentication, signer, conn);
    server = s;
    Dispatcher inbound = conn.createDispatcher(s::onMessage);
    inbound.subscribe(FORWARD_SUBJECT + "." + gatewayId);
    ClusterForwarder f = new ClusterForwarder(gatewayId, directory, conn, signer, FORWARD_SUBJECT, timer, directory.expiry());
    f.listen();
    s.onResync(f::peerResynced);
    forwarder = f;
    SharedRates r = new SharedRates(gatewayId, authentication, signer, conn);
    rates = r;
    conn.createDispatcher(r::onMessage).subscribe(SharedRates.SUBJECT + ".*");
    try {
      conn.flush(Duration.ofSeconds(5));
    } catch (TimeoutException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      close();
      throw new IOException("Cluster " + gatewayId + ": NATS did not confirm the forward and answer subscriptions", e);
    }
    directory.addListener(change -> {
      switch (change.kind()) {
        case EXPIRED -> {
          f.gatewayVanished(change.gatewayId());
          f.gatewayGone(change.gatewayId(), "it stopped heartbeating");
        }
        case RESTARTED -> {
          f.gatewayVanished(change.gatewayId());
          f.gatewayGone(change.gatewayId(), "it restarted");
        }
        case JOINED -> f.gatewayJoined(change.gatewayId());
        default -> { }
      }
      f.viewChanged(change.view());
    });
    f.viewChanged(directory.view()); // what joined before the listener
    scheduler.remoteGateways(f);
    authentication.sharedRates(r::allowedRate);
    periodic.add(timer.scheduleWithFixedDelay(() -> {
      try {
        r.report();
      } catch (RuntimeException e) {
        log.warn("Cluster {}: rate report failed", gatewayId, e);
      }
    }, SharedRates.INTERVAL_MILLIS, SharedRates.INTERVAL_MILLIS, TimeUnit.MILLISECONDS));
    status.cluster(new io.easyremote.gateway.internal.core.ClusterListing() {
      @Override
      public String gatewayId() {
        return gatewayId;
      }

      @Override
      public List<NodeInfo> remoteNodes() {
        List<NodeInfo> out = new ArrayList<>();
        for (RemoteNode node : directory.view().nodes()) {
          out.add(NodeInfo.newBuilder().setNodeId(node.id()).setGatewayId(node.gatewayId()).setState(state(node.health()))
              .putAllLabels(node.labels()).setMaxConcurrency(node.capacity()).addAllFunctions(new java.util.TreeSet<>(node.functions()))
              .setCost(node.cost()).build());
        }
        return out;
      }

      @Override
      public java.util.Map<String, io.easyremote.protocol.wire.FunctionSpec> remoteSpecs() {
        java.util.Map<String, io.easyremote.protocol.wire.FunctionSpec> out = new java.util.HashMap<>();
        for (io.easyremote.cluster.GatewayEntry entry : directory.view().gateways().values()) {
          entry.specs().forEach((name, bytes) -> out.computeIfAbsent(name, n -> parse(bytes)));
        }
        out.values().removeIf(java.util.Objects::isNull);
        return out;
      }
    });
    scheduler.onMembershipChange(this::publishSoon);
    periodic.add(timer.scheduleWithFixedDelay(this::publishNow, LOAD_INTERVAL.toMillis(), LOAD_INTERVAL.toMillis(), TimeUnit.MILLISECONDS));
    log.info("Gateway {} joined the cluster ({}){}", gatewayId, directory.connectedUrl(),
        signer.signs() ? "" : "; forwarded calls are NOT signed (no cluster secret)");
  }

  /** A node joined, drained or left: publish the local nodes soon (changes close together go in one publish). */
  private void publishSoon() {
    if (leaving) {
      return; // said goodbye: the directory publishes nothing more, and the timer only times out forwards
    }
    if (publishScheduled.compareAndSet(false, true)) {
      try {
        timer.execute(this::publishNow);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }
  }

  private void publishNow() {
    publishScheduled.set(false);
    try {
      directory.publish(localNodes(), localSpecs());
    } catch (RuntimeException e) {
      log.warn("Cluster {}: could not publish the local nodes", gatewayId, e);
    }
  }

  /** This gateway's function specs, shared once per function through the directory (for the others' listings, OpenAPI and MCP). */
  private java.util.Map<String, com.google.protobuf.ByteString> localSpecs() {
    java.util.Map<String, com.google.protobuf.ByteString> specs = new java.util.HashMap<>();
    for (io.easyremote.protocol.wire.FunctionInfo info : status.functions()) {
      com.google.protobuf.ByteString bytes = info.getSpec().toByteString();
      if (bytes.size() <= SPEC_LIMIT) {
        specs.put(info.getSpec().getName(), bytes);
      }
    }
    return specs;
  }

  /** The directory's limit on one spec (a larger one is not shared: the others list the function by name only). */
  private static final int SPEC_LIMIT = 64 << 10;

  /**
   * The local nodes to list in the directory: those connected, and those lost a moment ago whose
   * functions calls here still wait for (listed as suspect, with no capacity counted), so that the
   * other gateways send calls to them here to wait too instead of calling them unknown.
   */
  private List<LocalNode> localNodes() {
    List<LocalNode> nodes = new ArrayList<>();
    java.util.Set<String> idempotent = status.idempotentFunctions();
    List<NodeInfo> listed = new ArrayList<>(status.nodes());
    java.util.Set<String> ids = new java.util.HashSet<>();
    listed.forEach(node -> ids.add(node.getNodeId()));
    for (NodeInfo awaited : status.awaitedNodes()) {
      if (!ids.contains(awaited.getNodeId())) { // one lost between the two reads is listed once, as connected
        listed.add(awaited);
      }
    }
    for (NodeInfo node : listed) {
      java.util.Set<String> functions = java.util.Set.copyOf(node.getFunctionsList());
      java.util.Set<String> mayRunTwice = new java.util.HashSet<>(functions);
      mayRunTwice.retainAll(idempotent);
      nodes.add(new LocalNode(node.getNodeId(), functions, node.getMaxConcurrency(), node.getInFlight(), health(node.getState()),
          node.getLabelsMap(), Math.max(0, node.getCost()), mayRunTwice));
    }
    return nodes;
  }

  private static io.easyremote.protocol.wire.FunctionSpec parse(com.google.protobuf.ByteString bytes) {
    try {
      return io.easyremote.protocol.wire.FunctionSpec.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return null; // a gateway shared a spec this one cannot read: listed by name only
    }
  }

  private static String state(NodeHealth health) {
    return switch (health) {
      case UP -> "HEALTHY";
      case SUSPECT -> "SUSPECT";
      case DRAINING -> "DRAINING";
    };
  }

  private static NodeHealth health(String state) {
    return switch (state) {
      case "HEALTHY", "WARMING" -> NodeHealth.UP;
      case "DRAINING" -> NodeHealth.DRAINING;
      default -> NodeHealth.SUSPECT; // SUSPECT, EJECTED, and LOST (awaited back)
    };
  }

  /** This gateway's id in the cluster. */
  public String gatewayId() {
    return gatewayId;
  }

  /** The other gateways' nodes as the directory knows them now. */
  public DirectoryView view() {
    return directory.view();
  }

  /** The nodes of other gateways. */
  public List<RemoteNode> remoteNodes() {
    return directory.view().nodes();
  }

  /** The view's size and the forwarding counters since start. */
  public ClusterStats stats() {
    ClusterForwarder f = forwarder;
    ForwardedCallServer s = server;
    DirectoryView view = directory.view();
    return new ClusterStats(gatewayId, view.gateways().size(), view.nodeCount(), f == null ? 0 : f.forwarded(), f == null ? 0 : f.failed(),
        s == null ? 0 : s.served(), s == null ? 0 : s.rejected(), f == null ? 0 : f.ignoredReplies(), scheduler.busyForwards(),
        f == null ? 0 : TimeUnit.NANOSECONDS.toMillis(f.cutOffFor(System.nanoTime())));
  }

  /**
   * Starts leaving, before the gateway drains: says goodbye in the directory, so the others stop
   * forwarding calls here at once, while the calls they already forwarded are still answered (the
   * forwarding connection stays open until {@link #close}).
   */
  public void leave() {
    leaving = true;
    periodic.forEach(task -> task.cancel(false)); // the timer itself still times out the calls forwarded from here
    directory.close();
  }

  /**
   * Leaves the cluster, after the gateway drained: waits up to {@code drainTimeout} for the calls
   * this gateway forwarded to be answered, then closes the forwarding connection.
   */
  public void close(Duration drainTimeout) {
    ClusterForwarder f = forwarder;
    ForwardedCallServer s = server;
    Connection conn = connection;
    try {
      if (f != null && !f.awaitIdle(drainTimeout.toNanos())) {
        log.warn("Cluster {}: closing with forwarded calls still unanswered after {}", gatewayId, drainTimeout);
      }
      // The calls forwarded here were drained with the scheduler; their replies must leave before the connection closes.
      if (s != null && !s.awaitAnswered(TimeUnit.SECONDS.toNanos(1))) {
        log.warn("Cluster {}: closing with calls forwarded here still unanswered", gatewayId);
      }
      if (conn != null) {
        conn.flush(Duration.ofSeconds(1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      log.warn("Cluster {}: NATS did not confirm the last replies before closing", gatewayId);
    }
    close();
  }

  /** Leaves the cluster at once: says goodbye and closes the forwarding connection. */
  @Override
  public void close() {
    timer.shutdownNow();
    scheduler.remoteGateways(null);
    authentication.sharedRates(null);
    status.cluster(null);
    Connection conn = connection;
    if (conn != null) {
      try {
        conn.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    directory.close();
    ClusterForwarder f = forwarder;
    if (f != null) {
      f.closed(); // their timeouts went with the timer; with no other gateway left, they fail or run here
    }
  }
}
