package io.easyremote.gateway;

import io.easyremote.cluster.NatsDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * How a gateway joins a cluster of gateways on NATS (docs/cluster.md): the NATS servers, this
 * gateway's id, its NATS credentials and TLS, and the cluster secret that signs calls forwarded
 * between gateways.
 *
 * <pre>{@code
 * Gateway gateway = Gateway.builder()
 *     .cluster(ClusterConfig.builder()
 *         .servers("nats://10.0.0.1:4222", "nats://10.0.0.2:4222")
 *         .gatewayId("gw-a")
 *         .userPassword("gw-a", natsPassword)
 *         .secret(clusterSecret)
 *         .build())
 *     .build().start();
 * }</pre>
 *
 * <p>Immutable once built; one config may start several gateways only if they differ in nothing
 * (in practice: one config per gateway).
 */
public final class ClusterConfig {
  /** The shortest cluster secret accepted, in bytes. */
  public static final int MIN_SECRET_BYTES = 16;

  /** The directory's settings, replayed on a fresh builder for each start (so nothing set later leaks in). */
  private final List<Consumer<NatsDirectory.Builder>> directory;
  private final String gatewayId;
  private final byte[] secret;

  private final int forwardWhenQueued;

  private ClusterConfig(List<Consumer<NatsDirectory.Builder>> directory, String gatewayId, byte[] secret, int forwardWhenQueued) {
    this.directory = List.copyOf(directory);
    this.gatewayId = gatewayId;
    this.secret = secret;
    this.forwardWhenQueued = forwardWhenQueued;
  }

  /**
   * How many calls of a function must already wait here, every local node offering it being busy,
   * before the next one is forwarded to a gateway with free capacity; -1: never
   * ({@link Builder#forwardWhenQueued}).
   */
  public int forwardWhenQueued() {
    return forwardWhenQueued;
  }

  /** A builder; {@link Builder#servers} and {@link Builder#gatewayId} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** This gateway's id in the cluster. */
  public String gatewayId() {
    return gatewayId;
  }

  /** Whether forwarded calls are signed with a cluster secret. */
  public boolean signed() {
    return secret != null;
  }

  /** The directory this config describes, not yet connected (internal: the gateway calls it at start). */
  NatsDirectory newDirectory() {
    NatsDirectory.Builder b = NatsDirectory.builder();
    directory.forEach(setting -> setting.accept(b));
    return b.build();
  }

  /** A copy of the cluster secret, or null (internal). */
  byte[] secret() {
    return secret == null ? null : secret.clone();
  }

  @Override
  public String toString() {
    return "ClusterConfig[" + gatewayId + (secret != null ? ", signed" : "") + "]";
  }

  /** Configures a {@link ClusterConfig}; every setter rejects bad values. */
  public static final class Builder {
    /** Checks each setting as it is made. */
    private final NatsDirectory.Builder directory = NatsDirectory.builder();
    private final List<Consumer<NatsDirectory.Builder>> settings = new ArrayList<>();
    private String gatewayId;
    private byte[] secret;
    private boolean servers;
    private int forwardWhenQueued;

    private Builder() {}

    private Builder set(Consumer<NatsDirectory.Builder> setting) {
      setting.accept(directory);
      settings.add(setting);
      return this;
    }

    /** NATS server URLs ({@code nats://host:port} or {@code tls://host:port}); more are learnt from the cluster. */
    public Builder servers(String... urls) {
      String[] copy = urls.clone();
      set(b -> b.servers(copy));
      servers = true;
      return this;
    }

    /** This gateway's id: 1 to 64 letters, digits, '-' or '_', unique in the cluster. */
    public Builder gatewayId(String id) {
      set(b -> b.gatewayId(id));
      gatewayId = id;
      return this;
    }

    /** Authenticates to NATS with a user and password (the array is copied). */
    public Builder userPassword(String user, char[] password) {
      char[] copy = Objects.requireNonNull(password, "password").clone();
      return set(b -> b.userPassword(user, copy));
    }

    /** Authenticates to NATS with a token (the array is copied). */
    public Builder token(char[] token) {
      char[] copy = Objects.requireNonNull(token, "token").clone();
      return set(b -> b.token(copy));
    }

    /** Authenticates to NATS with an nkey seed ({@code SU...}). */
    public Builder nkeySeed(char[] seed) {
      char[] copy = Objects.requireNonNull(seed, "seed").clone();
      return set(b -> b.nkeySeed(copy));
    }

    /** Authenticates to NATS with a credentials file (JWT and nkey seed, as {@code nsc} writes it). */
    public Builder credentialsFile(Path file) {
      return set(b -> b.credentialsFile(file));
    }

    /** Connects to NATS with TLS using this context (its trust store decides which servers are trusted). */
    public Builder tls(SSLContext context) {
      return set(b -> b.tls(context));
    }

    /** Tries the servers in the order given instead of a random one. */
    public Builder noRandomize() {
      return set(NatsDirectory.Builder::noRandomize);
    }

    /**
     * The secret every gateway of the cluster shares (at least {@value #MIN_SECRET_BYTES} bytes
     * as UTF-8): forwarded calls are signed with it (HMAC-SHA256) and a gateway ignores, and
     * counts, any forwarded call whose signature does not verify, so a process that can publish on
     * NATS cannot inject calls in another caller's name. Required when the gateway has client
     * keys; recommended always.
     */
    public Builder secret(char[] secret) {
      Objects.requireNonNull(secret, "secret");
      byte[] bytes = new String(secret).getBytes(StandardCharsets.UTF_8);
      if (bytes.length < MIN_SECRET_BYTES) {
        Arrays.fill(bytes, (byte) 0);
        throw new IllegalArgumentException("the cluster secret must be at least " + MIN_SECRET_BYTES + " bytes (easyremote keygen prints one)");
      }
      this.secret = bytes;
      return this;
    }

    /** How often this gateway publishes its load and says it is alive (default 500 ms). */
    public Builder heartbeat(Duration interval) {
      return set(b -> b.heartbeat(interval));
    }

    /**
     * Forwards a call that finds every local node offering its function busy, when at least
     * {@code queuedCalls} calls of it already wait here, to a gateway whose nodes report free
     * capacity for it (at their last heartbeat), instead of queueing it here. Default 0: as soon as
     * no local node has a free slot; -1: never (a call is then forwarded only when no local node
     * offers its function, or it is pinned to another gateway's node). Calls pinned to a node, and
     * calls on a gateway with credits on (they are reserved against this gateway's prices), always
     * wait here.
     */
    public Builder forwardWhenQueued(int queuedCalls) {
      if (queuedCalls < -1) {
        throw new IllegalArgumentException("forwardWhenQueued: -1 (never) or a number of calls >= 0, not " + queuedCalls);
      }
      this.forwardWhenQueued = queuedCalls;
      return this;
    }

    /** How long another gateway may stay silent before its nodes are dropped (default 2 s). */
    public Builder expiry(Duration expiry) {
      return set(b -> b.expiry(expiry));
    }

    /**
     * The config.
     *
     * @throws IllegalStateException when servers or the gateway id are missing, or the NATS
     *     options contradict each other
     */
    public ClusterConfig build() {
      if (!servers) {
        throw new IllegalStateException("servers: no NATS URL given");
      }
      if (gatewayId == null) {
        throw new IllegalStateException("gatewayId: required");
      }
      directory.build(); // checks now what start() would refuse later
      return new ClusterConfig(settings, gatewayId, secret == null ? null : secret.clone(), forwardWhenQueued);
    }
  }
}
