package io.easyremote.cluster.nats;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Real {@code nats-server} processes for tests (and the bench) on 127.0.0.1: one server, or a
 * cluster of several with routes between every pair; optionally JetStream (its store in a temp
 * directory) and an authorization block. Client and monitoring ports are chosen by the servers
 * themselves ({@code -1}) and read from their logs; route ports are free ports found just before
 * starting (a start that loses that race is retried). {@link #start()} returns when every server
 * says it is ready, {@code /healthz} answers ok and, in a cluster, every server has its routes; a
 * cluster whose routes have not all formed within 15 s is started again on new ports (up to three
 * attempts in all).
 *
 * <pre>{@code
 * try (NatsServers nats = NatsServers.builder().servers(3).user(NatsUser.gateway("gw-a", "pw")).start()) {
 *   nats.urls();      // nats://127.0.0.1:port of each
 *   nats.server(0).kill();
 * }
 * }</pre>
 *
 * <p>{@code nats-server} comes from the Debian package (scripts/install-test-deps.sh installs
 * it); without it, {@link #start()} fails with a message naming that script.
 */
public final class NatsServers implements AutoCloseable {
  private static final List<String> PLACES = List.of("/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server");
  private static final Pattern ROUTES = Pattern.compile("\"num_routes\"\\s*:\\s*(\\d+)");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final List<NatsServer> servers;
  private final Path dir;

  private NatsServers(List<NatsServer> servers, Path dir) {
    this.servers = new java.util.concurrent.CopyOnWriteArrayList<>(servers);
    this.dir = dir;
  }

  /** A builder: one server, no JetStream, no authorization unless told. */
  public static Builder builder() {
    return new Builder();
  }

  /** The nats-server binary on PATH or where Debian puts it. */
  public static Path binary() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(d.isEmpty() ? "." : d, "nats-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return PLACES.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElseThrow(() -> new IllegalStateException(
        "nats-server is not installed: run scripts/install-test-deps.sh (it installs the Debian package nats-server)"));
  }

  /** The servers, in start order. */
  public List<NatsServer> servers() {
    return servers;
  }

  /** Server {@code i} (0-based). */
  public NatsServer server(int i) {
    return servers.get(i);
  }

  /** Server {@code i}'s client URL. */
  public String url(int i) {
    return servers.get(i).url();
  }

  /** Every server's client URL, in order. */
  public String[] urls() {
    return servers.stream().map(NatsServer::url).toArray(String[]::new);
  }

  /** The URLs starting with server {@code first}, then the others in order (for clients pinned to one server first). */
  public String[] urlsFrom(int first) {
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      urls.add(servers.get((first + i) % servers.size()).url());
    }
    return urls.toArray(String[]::new);
  }

  /**
   * Starts server {@code i} again, after {@link NatsServer#kill()} or {@link NatsServer#stop()}, on
   * the same client, monitoring and route ports (so clients that know only its address come back), and waits
   * until it is healthy and routed again.
   *
   * @throws IOException when it does not start (its client port was taken meanwhile, say)
   */
  public NatsServer restart(int i) throws IOException {
    NatsServer old = servers.get(i);
    if (old.alive()) {
      throw new IllegalStateException(old + " is still running");
    }
    // Both ports pinned: a monitor on a random port could be handed the client port just freed by
    // the kill (the kernel reuses it), and the client listener would then fail to bind.
    String config = Files.readString(old.config())
        .replace("listen: 127.0.0.1:-1\n", "listen: 127.0.0.1:" + old.clientPort() + "\n")
        .replace("http: 127.0.0.1:-1\n", "http: 127.0.0.1:" + old.monitorPort() + "\n");
    Path conf = dir.resolve(old.name() + "-restarted.conf");
    Files.writeString(conf, config);
    NatsServer again = NatsServer.start(binary(), old.name(), conf, old.clusterPort(), dir.resolve(old.name() + "-restarted.log"));
    servers.set(i, again);
    try {
      awaitHealthyAndRouted();
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new IOException(again + " restarted but not healthy and routed within 15 s:\n" + again.logTail(), e);
    }
    return again;
  }

  /** Stops every server and deletes their directories (stores, configs, logs). */
  @Override
  public void close() {
    servers.forEach(NatsServer::stop);
    deleteTree(dir);
  }

  /** Options for {@link NatsServers}. */
  public static final class Builder {
    private int count = 1;
    private boolean jetStream;
    private boolean noAdvertise;
    private Path tlsCert;
    private Path tlsKey;
    private final List<NatsUser> users = new ArrayList<>();

    private Builder() {
    }

    /** How many servers (1 = a lone server; more = a cluster with routes between every pair). */
    public Builder servers(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("servers " + count + " < 1");
      }
      this.count = count;
      return this;
    }

    /**
     * Servers do not tell clients about each other ({@code no_advertise}): a client then reconnects
     * only to the servers it was given, so a test can cut it off from NATS by killing its server.
     */
    public Builder noAdvertise() {
      this.noAdvertise = true;
      return this;
    }

    /** Enables JetStream, its store in the servers' temp directory. */
    public Builder jetStream(boolean on) {
      this.jetStream = on;
      return this;
    }

    /** Requires TLS from clients, with this PEM certificate chain and key (the routes stay plain). */
    public Builder tls(Path certificate, Path key) {
      this.tlsCert = certificate;
      this.tlsKey = key;
      return this;
    }

    /** Adds a user to the authorization block; with any user, clients without credentials are refused. */
    public Builder user(NatsUser user) {
      users.add(user);
      return this;
    }

    /** Starts the servers and waits until they are ready (see the class comment). */
    public NatsServers start() throws IOException {
      Path binary = binary();
      IOException last = null;
      for (int attempt = 0; attempt < 3; attempt++) {
        Path dir = Files.createTempDirectory("nats-test-");
        List<NatsServer> started = new ArrayList<>();
        try {
          int[] routePorts = new int[count > 1 ? count : 0];
          for (int i = 0; i < routePorts.length; i++) {
            routePorts[i] = freePort();
          }
          for (int i = 0; i < count; i++) {
            String name = "n" + (i + 1);
            Path conf = dir.resolve(name + ".conf");
            Files.writeString(conf, config(name, dir, routePorts, i));
            started.add(NatsServer.start(binary, name, conf, routePorts.length > 0 ? routePorts[i] : -1, dir.resolve(name + ".log")));
          }
          NatsServers servers = new NatsServers(List.copyOf(started), dir);
          servers.awaitHealthy();
          return servers;
        } catch (IOException | RuntimeException e) {
          started.forEach(NatsServer::kill);
          deleteTree(dir);
          boolean portRace = String.valueOf(e.getMessage()).contains("address already in use");
          if (!portRace && !(e instanceof NotReady)) {
            throw e;
          }
          last = e instanceof IOException io ? io : new IOException(e);
        }
      }
      throw last;
    }

    private String config(String name, Path dir, int[] routePorts, int index) {
      StringBuilder c = new StringBuilder();
      c.append("server_name: ").append(name).append('\n');
      c.append("listen: 127.0.0.1:-1\n");
      c.append("http: 127.0.0.1:-1\n");
      if (routePorts.length > 0) {
        List<String> routes = new ArrayList<>();
        for (int i = 0; i < routePorts.length; i++) {
          if (i != index) {
            routes.add("nats-route://127.0.0.1:" + routePorts[i]);
          }
        }
        c.append("cluster {\n  name: easyremote-test\n  listen: 127.0.0.1:").append(routePorts[index])
            .append("\n  routes: [ ").append(String.join(", ", routes)).append(" ]\n")
            .append(noAdvertise ? "  no_advertise: true\n" : "").append("}\n");
      }
      if (jetStream) {
        c.append("jetstream { store_dir: ").append(NatsUser.quote(dir.resolve("js-" + name).toString())).append(" }\n");
      }
      if (tlsCert != null) {
        c.append("tls { cert_file: ").append(NatsUser.quote(tlsCert.toString())).append(", key_file: ")
            .append(NatsUser.quote(tlsKey.toString())).append(", timeout: 2 }\n");
      }
      if (!users.isEmpty()) {
        c.append("authorization {\n  users: [\n");
        users.forEach(u -> c.append("    ").append(u.config()).append('\n'));
        c.append("  ]\n}\n");
      }
      return c.toString();
    }
  }

  /**
   * The servers did not all report healthy and routed in time: started again on new ports (a route
   * port taken by another process between {@code freePort()} and the server's bind can leave a
   * route that never forms, with nothing in the way of an error).
   */
  private static final class NotReady extends IOException {
    private static final long serialVersionUID = 1L;

    NotReady(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private void awaitHealthy() throws NotReady {
    try {
      awaitHealthyAndRouted();
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder logs = new StringBuilder();
      for (NatsServer s : servers) {
        logs.append('\n').append(s).append(":\n").append(s.logTail());
      }
      throw new NotReady("nats-servers not healthy and routed within 15 s" + logs, e);
    }
  }

  /** Waits (at most 15 s) until every server answers /healthz ok and, in a cluster, routes to all the others. */
  private void awaitHealthyAndRouted() {
    int peers = servers.size() - 1;
    await("nats-servers healthy and routed").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(25))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> {
          for (NatsServer s : servers) {
            if (!s.alive()) {
              throw new IllegalStateException(s + " exited:\n" + s.logTail());
            }
            if (get(s, "/healthz").statusCode() != 200) {
              return false;
            }
            if (peers > 0) {
              Matcher m = ROUTES.matcher(get(s, "/routez").body());
              if (!m.find() || Integer.parseInt(m.group(1)) < peers) {
                return false;
              }
            }
          }
          return true;
        });
  }

  /** GET {@code path} on a server's monitoring port. */
  public static HttpResponse<String> get(NatsServer server, String path) throws IOException {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.monitorPort() + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // a leftover temp directory is not worth failing a test for
    }
  }
}
