package io.easyremote.cluster;

import io.easyremote.cluster.internal.FixedDelayScheduler;
import io.easyremote.cluster.internal.Limits;
import io.easyremote.cluster.internal.Publisher;
import io.easyremote.cluster.internal.Receiver;
import io.easyremote.cluster.internal.proto.DirectoryMessage;
import io.nats.client.AuthHandler;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster directory over NATS core subjects: each gateway publishes on its own subject
 * ({@code easyremote.dir.<gateway id>}) deltas of its membership when nodes join, change or leave,
 * a heartbeat with its load per function every {@link Builder#heartbeat heartbeat}, and full
 * snapshots when another gateway asks ({@code easyremote.dir.<gateway id>.sync}, after a gap or
 * when it joins late) and every {@link Builder#fullSnapshotInterval 30 s}. A gateway not heard
 * from within the {@link Builder#expiry expiry} (2 s by default) vanishes from every view. While
 * this gateway's own connection to NATS is down, nobody expires from its view (it cannot tell
 * whether the others are gone); once it reconnects, a gateway it no longer hears vanishes within
 * the expiry.
 *
 * <pre>{@code
 * try (NatsDirectory directory = NatsDirectory.builder()
 *     .servers("nats://10.0.0.1:4222", "nats://10.0.0.2:4222").gatewayId("gw-a")
 *     .userPassword("gw-a", password).build().start()) {
 *   directory.publish(localNodes);
 *   directory.view().offers("add");
 * }
 * }</pre>
 *
 * <p>Security: authenticate with a user and password, a token, an nkey seed or a credentials
 * file, and TLS through an {@link SSLContext}. NATS authorization should let each gateway publish
 * only on its own subject (docs/cluster.md); messages whose gateway id differs from their
 * subject's, that do not parse, or that break a limit are ignored and counted in {@link #stats()}.
 *
 * <p>Lifecycle: {@link Builder#build()} makes an unstarted directory, {@link #start()} connects
 * (and keeps reconnecting, across the servers NATS tells it about), {@link #close()} says goodbye
 * and disconnects. {@link #publish} may be called before {@code start()}: the list goes out once
 * connected. Thread-safe.
 */
public final class NatsDirectory implements ClusterDirectory {
  private static final Logger log = LoggerFactory.getLogger(NatsDirectory.class);
  private static final Duration MIN_SNAPSHOT_GAP = Duration.ofMillis(250);

  private final Builder config;
  private final String subject;
  private final Publisher publisher;
  private final Receiver receiver;
  private final ScheduledExecutorService timer;
  /** Where jnats runs the pings of this gateway's NATS connections ({@link #connectionOptions}). */
  private final ScheduledExecutorService natsTimer;
  private final AtomicReference<List<LocalNode>> latest = new AtomicReference<>();
  private final AtomicReference<java.util.Map<String, com.google.protobuf.ByteString>> latestSpecs = new AtomicReference<>();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private final AtomicBoolean snapshotScheduled = new AtomicBoolean();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong snapshots = new AtomicLong();
  /** Function names already checked (there are few, and each node repeats them). */
  private final Set<String> validFunctions = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile long lastSnapshotNanos;
  private volatile Connection connection;
  private volatile boolean closed;

  private NatsDirectory(Builder b) {
    this.config = b;
    this.subject = b.subjectPrefix + "." + b.gatewayId;
    this.publisher = new Publisher(b.gatewayId, new SecureRandom().nextLong(), b.maxMessageBytes);
    this.receiver = new Receiver(b.gatewayId, b.subjectPrefix, b.expiry, b.heartbeat, b.maxNodesPerGateway, this::requestSync);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "easyremote-directory-" + b.gatewayId);
      t.setDaemon(true);
      return t;
    });
    this.natsTimer = new FixedDelayScheduler("easyremote-nats-timer-" + b.gatewayId);
  }

  /** A builder; {@link Builder#servers} and {@link Builder#gatewayId} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Connects to NATS, subscribes, and starts heartbeating; returns once the subscriptions are in
   * place (the others' entries arrive within a heartbeat or so).
   *
   * @throws IOException when no server accepts the connection within the connect timeout (wrong
   *     address, wrong credentials: the message says which)
   */
  public NatsDirectory start() throws IOException {
    if (connection != null || closed) {
      throw new IllegalStateException("directory " + config.gatewayId + " was already started" + (closed ? " and closed" : ""));
    }
    Options.Builder options = connectionOptions("easyremote-gateway-" + config.gatewayId)
        .noEcho()
        .connectionListener((conn, event) -> {
          log.info("Cluster directory {}: NATS {} ({})", config.gatewayId, event, conn.getConnectedUrl());
          if (event == ConnectionListener.Events.DISCONNECTED) {
            receiver.deaf(System.nanoTime());
          } else if (event == ConnectionListener.Events.RECONNECTED) {
            receiver.hearing(System.nanoTime());
          }
        });
    Connection conn;
    try {
      conn = Nats.connect(options.build());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to NATS " + config.servers, e);
    } catch (IOException e) {
      throw new IOException("Cluster directory " + config.gatewayId + " cannot connect to NATS " + config.servers + ": " + e.getMessage()
          + " (check the addresses, the credentials and TLS)", e);
    }
    connection = conn;
    Dispatcher dispatcher = conn.createDispatcher();
    dispatcher.subscribe(config.subjectPrefix + ".*", msg -> receiver.onMessage(msg.getSubject(), msg.getData(), System.nanoTime()));
    dispatcher.subscribe(subject + ".sync", msg -> requestedSnapshot());
    try {
      conn.flush(config.connectTimeout);
    } catch (TimeoutException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      close();
      throw new IOException("Cluster directory " + config.gatewayId + ": NATS did not confirm the subscriptions within " + config.connectTimeout, e);
    }
    lastSnapshotNanos = System.nanoTime();
    long beat = config.heartbeat.toNanos();
    timer.scheduleAtFixedRate(this::tick, 0, beat, TimeUnit.NANOSECONDS);
    long sweep = Math.max(Duration.ofMillis(20).toNanos(), Math.min(Duration.ofMillis(100).toNanos(), config.expiry.toNanos() / 10));
    timer.scheduleAtFixedRate(this::sweep, sweep, sweep, TimeUnit.NANOSECONDS);
    return this;
  }

  /**
   * Drops the gateways not heard from within the expiry. The connection's own status says first
   * whether this gateway can hear at all: jnats reports drops and reconnects on a thread of its
   * own, and a report that comes late (or never) must not let the others expire while this one is
   * cut off, nor leave this one deaf (expiring nobody) after it is back.
   */
  private void sweep() {
    Connection conn = connection;
    long now = System.nanoTime();
    if (conn != null && conn.getStatus() != Connection.Status.CONNECTED) {
      receiver.deaf(now);
    } else {
      receiver.hearing(now);
    }
    receiver.expire(now);
  }

  @Override
  public String gatewayId() {
    return config.gatewayId;
  }

  /** How long a gateway not heard from stays in the view ({@link Builder#expiry}). */
  public Duration expiry() {
    return config.expiry;
  }

  @Override
  public void publish(Iterable<LocalNode> nodes, java.util.Map<String, com.google.protobuf.ByteString> specs) {
    for (java.util.Map.Entry<String, com.google.protobuf.ByteString> e : specs.entrySet()) {
      if (!Limits.validName(e.getKey()) || e.getValue().size() > Limits.MAX_SPEC_BYTES) {
        throw new IllegalArgumentException("function '" + e.getKey() + "': invalid name or a spec over " + Limits.MAX_SPEC_BYTES + " bytes");
      }
    }
    latestSpecs.set(java.util.Map.copyOf(specs));
    publish(nodes);
  }

  @Override
  public void publish(Iterable<LocalNode> nodes) {
    List<LocalNode> list = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (LocalNode node : nodes) {
      if (!Limits.validName(node.id())) {
        throw new IllegalArgumentException("node id '" + node.id() + "' is not a valid name (1 to 256 characters, no control characters)");
      }
      if (!ids.add(node.id())) {
        throw new IllegalArgumentException("node id '" + node.id() + "' appears twice");
      }
      for (String f : node.functions()) {
        if (!validFunctions.contains(f)) {
          if (!Limits.validName(f)) {
            throw new IllegalArgumentException("node " + node.id() + ": function name '" + f + "' is not a valid name");
          }
          validFunctions.add(f);
        }
      }
      list.add(node);
    }
    latest.set(list);
    if (!closed && flushScheduled.compareAndSet(false, true)) {
      timer.schedule(this::flush, config.publishDelay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public DirectoryView view() {
    return receiver.view();
  }

  @Override
  public AutoCloseable addListener(DirectoryListener listener) {
    return receiver.addListener(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public DirectoryStats stats() {
    return receiver.stats(published.get(), snapshots.get());
  }

  /** The NATS server this directory is connected to now, or null while it reconnects. */
  public String connectedUrl() {
    Connection conn = connection;
    return conn == null || conn.getStatus() != Connection.Status.CONNECTED ? null : conn.getConnectedUrl();
  }

  /** Pings a connection may leave unanswered; one more and jnats calls the connection stale and reconnects. */
  static final int MAX_PINGS_OUT = 2;

  /**
   * How often a connection pings its server when nothing else arrives: an eighth of the expiry
   * (250 ms by default), between 50 ms and 2 s. A server that stops answering without closing the
   * connection (frozen, or a network that drops packets without a reset) shows only through
   * unanswered pings: jnats finds it stale after {@link #MAX_PINGS_OUT} of them, three to four
   * intervals after the last bytes arrived, so within half the expiry. Until then the connection
   * reads as connected, and the directory would expire every gateway it cannot hear; after, it is
   * deaf and expires nobody. A ping is a few bytes, and none is sent while messages arrive. The
   * pings run on a {@link FixedDelayScheduler}: after a pause of this JVM the missed ones are not
   * sent in a burst, which would call a live connection stale.
   */
  static Duration pingInterval(Duration expiry) {
    Duration eighth = expiry.dividedBy(8);
    Duration min = Duration.ofMillis(50);
    Duration max = Duration.ofSeconds(2);
    return eighth.compareTo(min) < 0 ? min : eighth.compareTo(max) > 0 ? max : eighth;
  }

  /**
   * NATS options for another connection of this gateway to the same cluster: the same servers,
   * credentials, TLS and reconnect policy as the directory's own (the gateway forwards calls on a
   * second connection, so a large call never delays a heartbeat). Add listeners and build. Such a
   * connection pings on this directory's timer thread ({@link #pingInterval}): close it before the
   * directory.
   */
  public Options.Builder connectionOptions(String connectionName) {
    Options.Builder options = new Options.Builder()
        .servers(config.servers.toArray(String[]::new))
        .connectionName(connectionName)
        .maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(250))
        .connectionTimeout(config.connectTimeout)
        .pingInterval(pingInterval(config.expiry))
        .maxPingsOut(MAX_PINGS_OUT)
        .scheduledExecutor(natsTimer)
        .errorListener(new io.nats.client.ErrorListener() {
          @Override
          public void errorOccurred(Connection conn, String error) {
            log.warn("Cluster {} ({}): NATS error: {}", config.gatewayId, connectionName, error);
          }
        });
    if (config.noRandomize) {
      options.noRandomize();
    }
    if (config.user != null) {
      options.userInfo(config.user.toCharArray(), config.password);
    }
    if (config.token != null) {
      options.token(config.token);
    }
    if (config.nkeySeed != null) {
      options.authHandler(nkeyHandler(config.nkeySeed));
    }
    if (config.credentialsFile != null) {
      options.authHandler(Nats.credentials(config.credentialsFile.toString()));
    }
    if (config.sslContext != null) {
      options.sslContext(config.sslContext);
    }
    return options;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      sayGoodbyeAndDisconnect();
    } finally {
      natsTimer.shutdownNow(); // after the connection that pings on it
    }
  }

  private void sayGoodbyeAndDisconnect() {
    Connection conn = connection;
    if (conn == null) {
      return;
    }
    try {
      if (conn.getStatus() == Connection.Status.CONNECTED) {
        conn.publish(subject, publisher.goodbye().toByteArray()); // the timer has stopped: this thread owns the publisher now
        conn.flush(Duration.ofSeconds(1));
      }
    } catch (TimeoutException | RuntimeException e) {
      log.debug("Cluster directory {}: goodbye not confirmed", config.gatewayId, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      conn.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void flush() {
    flushScheduled.set(false);
    if (connection == null) {
      return; // published before start(): the first tick sends it
    }
    List<LocalNode> nodes = latest.getAndSet(null);
    if (nodes != null) {
      send(publisher.update(nodes, latestSpecs.getAndSet(null)));
    }
  }

  private void tick() {
    flush();
    send(List.of(publisher.heartbeat()));
    if (System.nanoTime() - lastSnapshotNanos >= config.fullSnapshotInterval.toNanos()) {
      snapshot();
    }
  }

  private void requestedSnapshot() {
    if (!closed && snapshotScheduled.compareAndSet(false, true)) {
      long wait = Math.max(0, lastSnapshotNanos + MIN_SNAPSHOT_GAP.toNanos() - System.nanoTime());
      timer.schedule(this::snapshot, wait, TimeUnit.NANOSECONDS);
    }
  }

  private void snapshot() {
    snapshotScheduled.set(false);
    flush();
    send(publisher.snapshot());
    snapshots.incrementAndGet();
    lastSnapshotNanos = System.nanoTime();
  }

  private void requestSync(String gatewayId) {
    Connection conn = connection;
    if (conn != null && !closed) {
      try {
        conn.publish(config.subjectPrefix + "." + gatewayId + ".sync", config.gatewayId.getBytes(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        log.debug("Cluster directory {}: sync request to {} not sent", config.gatewayId, gatewayId, e);
      }
    }
  }

  private void send(List<DirectoryMessage> messages) {
    Connection conn = connection;
    for (DirectoryMessage m : messages) {
      try {
        conn.publish(subject, m.toByteArray());
        published.incrementAndGet();
      } catch (RuntimeException e) {
        // The reconnect buffer is full or the connection is closing: the others will notice the
        // gap (or the silence) and catch up with a snapshot.
        log.debug("Cluster directory {}: message not sent", config.gatewayId, e);
      }
    }
  }

  private static AuthHandler nkeyHandler(char[] seed) {
    NKey key = NKey.fromSeed(seed);
    return new AuthHandler() {
      @Override
      public byte[] sign(byte[] nonce) {
        try {
          return key.sign(nonce);
        } catch (GeneralSecurityException | IOException e) {
          throw new IllegalStateException("cannot sign the NATS nonce with the nkey", e);
        }
      }

      @Override
      public char[] getID() {
        try {
          return key.getPublicKey();
        } catch (GeneralSecurityException | IOException e) {
          throw new IllegalStateException("cannot derive the public nkey", e);
        }
      }

      @Override
      public char[] getJWT() {
        return null;
      }
    };
  }

  /**
   * Settings for a {@link NatsDirectory}; {@link #servers} and {@link #gatewayId} are required,
   * the rest have defaults. Bad values are refused when set.
   */
  public static final class Builder {
    private final List<String> servers = new ArrayList<>();
    private String gatewayId;
    private String user;
    private char[] password;
    private char[] token;
    private char[] nkeySeed;
    private Path credentialsFile;
    private SSLContext sslContext;
    private boolean noRandomize;
    private String subjectPrefix = "easyremote.dir";
    private Duration heartbeat = Duration.ofMillis(500);
    private Duration expiry = Duration.ofSeconds(2);
    private Duration publishDelay = Duration.ofMillis(20);
    private Duration fullSnapshotInterval = Duration.ofSeconds(30);
    private Duration connectTimeout = Duration.ofSeconds(5);
    private int maxMessageBytes = 256 << 10;
    private int maxNodesPerGateway = 200_000;

    private Builder() {
    }

    /** NATS server URLs ({@code nats://host:port} or {@code tls://host:port}); more are learnt from the cluster. */
    public Builder servers(String... urls) {
      if (urls.length == 0) {
        throw new IllegalArgumentException("servers: at least one NATS URL");
      }
      for (String url : urls) {
        if (url == null || url.isBlank()) {
          throw new IllegalArgumentException("servers: empty URL");
        }
        servers.add(url.trim());
      }
      return this;
    }

    /** Tries the servers in the order given instead of a random one (each gateway can start on its own server). */
    public Builder noRandomize() {
      this.noRandomize = true;
      return this;
    }

    /** This gateway's id: 1 to 64 letters, digits, '-' or '_' (one NATS subject token). */
    public Builder gatewayId(String id) {
      if (!Limits.validGatewayId(id)) {
        throw new IllegalArgumentException("gateway id '" + id + "' must be 1 to 64 letters, digits, '-' or '_'");
      }
      this.gatewayId = id;
      return this;
    }

    /** Authenticates with a user and password (the array is copied). */
    public Builder userPassword(String user, char[] password) {
      if (user == null || user.isEmpty() || password == null) {
        throw new IllegalArgumentException("userPassword: user and password are required");
      }
      this.user = user;
      this.password = password.clone();
      return this;
    }

    /** Authenticates with a token (the array is copied). */
    public Builder token(char[] token) {
      this.token = Objects.requireNonNull(token, "token").clone();
      return this;
    }

    /** Authenticates with an nkey: the user's seed ({@code SU...}); the server config names its public key. */
    public Builder nkeySeed(char[] seed) {
      this.nkeySeed = Objects.requireNonNull(seed, "seed").clone();
      NKey.fromSeed(this.nkeySeed); // refuses a malformed seed now, not at connect
      return this;
    }

    /** Authenticates with a NATS credentials file (JWT and nkey seed, as {@code nsc} writes it). */
    public Builder credentialsFile(Path file) {
      if (!Files.isReadable(file)) {
        throw new IllegalArgumentException("credentials file " + file + " is not readable");
      }
      this.credentialsFile = file;
      return this;
    }

    /** Connects with TLS using this context (its trust store decides which servers are trusted). */
    public Builder tls(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /** The subject prefix (default {@code easyremote.dir}); every gateway of a cluster uses the same. */
    public Builder subjectPrefix(String prefix) {
      if (prefix == null || !prefix.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*")) {
        throw new IllegalArgumentException("subject prefix '" + prefix + "' must be dot-separated tokens without wildcards");
      }
      this.subjectPrefix = prefix;
      return this;
    }

    /** How often this gateway says it is alive and sends its load (default 500 ms). */
    public Builder heartbeat(Duration interval) {
      this.heartbeat = positive("heartbeat", interval);
      return this;
    }

    /** How long another gateway may stay silent before its entries are dropped (default 2 s, four heartbeats; at least 2 heartbeats). */
    public Builder expiry(Duration expiry) {
      this.expiry = positive("expiry", expiry);
      return this;
    }

    /** How long a change waits for others to join it in one message (default 20 ms). */
    public Builder publishDelay(Duration delay) {
      if (delay == null || delay.isNegative()) {
        throw new IllegalArgumentException("publishDelay " + delay + " < 0");
      }
      this.publishDelay = delay;
      return this;
    }

    /** How often the whole membership is published even when nobody asks (default 30 s). */
    public Builder fullSnapshotInterval(Duration interval) {
      this.fullSnapshotInterval = positive("fullSnapshotInterval", interval);
      return this;
    }

    /** How long {@link NatsDirectory#start()} waits for a server (default 5 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /** The largest message this gateway publishes (default 256 KiB); bigger deltas and snapshots are cut into parts. */
    public Builder maxMessageBytes(int bytes) {
      if (bytes < 4096) {
        throw new IllegalArgumentException("maxMessageBytes " + bytes + " < 4096");
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /** The most nodes another gateway may announce (default 200,000); a message beyond it is ignored and counted. */
    public Builder maxNodesPerGateway(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxNodesPerGateway " + max + " < 1");
      }
      this.maxNodesPerGateway = max;
      return this;
    }

    /**
     * The directory, not yet connected.
     *
     * @throws IllegalStateException when servers or the gateway id are missing, or the expiry is
     *     shorter than two heartbeats
     */
    public NatsDirectory build() {
      if (servers.isEmpty()) {
        throw new IllegalStateException("servers: no NATS URL given");
      }
      if (gatewayId == null) {
        throw new IllegalStateException("gatewayId: required");
      }
      if (expiry.compareTo(heartbeat.multipliedBy(2)) < 0) {
        throw new IllegalStateException("expiry " + expiry + " is shorter than two heartbeats (" + heartbeat + ")");
      }
      long auths = Arrays.asList(user, token, nkeySeed, credentialsFile).stream().filter(Objects::nonNull).count();
      if (auths > 1) {
        throw new IllegalStateException("choose one of userPassword, token, nkeySeed and credentialsFile");
      }
      return new NatsDirectory(copy());
    }

    /** A copy, so the built directory never sees later changes to this builder. */
    private Builder copy() {
      Builder c = new Builder();
      c.servers.addAll(servers);
      c.gatewayId = gatewayId;
      c.user = user;
      c.password = password == null ? null : password.clone();
      c.token = token == null ? null : token.clone();
      c.nkeySeed = nkeySeed == null ? null : nkeySeed.clone();
      c.credentialsFile = credentialsFile;
      c.sslContext = sslContext;
      c.noRandomize = noRandomize;
      c.subjectPrefix = subjectPrefix;
      c.heartbeat = heartbeat;
      c.expiry = expiry;
      c.publishDelay = publishDelay;
      c.fullSnapshotInterval = fullSnapshotInterval;
      c.connectTimeout = connectTimeout;
      c.maxMessageBytes = maxMessageBytes;
      c.maxNodesPerGateway = maxNodesPerGateway;
      return c;
    }

    private static Duration positive(String what, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " " + d + " must be > 0");
      }
      return d;
    }
  }
}
