package io.easyremote.testing;

import io.easyremote.client.Client;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real EasyRemote cluster for JUnit 5 tests: one gateway on 127.0.0.1 (free port) and the
 * nodes you declare, all talking the real protocol over loopback.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestCluster cluster = TestCluster.builder()
 *     .nodes(2, node -> node.register(new MathFunctions()))
 *     .build();
 *
 * @Test void adds() {
 *   assertThat(cluster.client().call("add", Integer.class, 1, 2)).isEqualTo(3);
 * }
 * }</pre>
 *
 * <p>Registered in a {@code static} field the cluster lives for the whole test class; in an
 * instance field, for each test. After every test it waits briefly for the gateway to have no
 * call in flight or queued and fails the test otherwise: a leaked call is a bug. Everything it
 * started (gateway, nodes, clients, proxies) is closed afterwards. Not thread-safe for
 * configuration; the objects it hands out are.
 *
 * <p>Outside JUnit, use it directly: {@code try (TestCluster c = TestCluster.builder()...build().start()) {...}}.
 */
public final class TestCluster implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, AutoCloseable {
  private final Builder config;
  private final Map<String, ComputeNode> nodes = new LinkedHashMap<>();
  private final List<AutoCloseable> extras = new ArrayList<>();
  private Gateway gateway;
  private int port;
  private Client client;
  private boolean perClass;

  private TestCluster(Builder config) {
    this.config = config;
  }

  /** Starts configuring a cluster. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ JUnit

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (gateway == null) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      assertNoLeakedCalls();
    } finally {
      if (!perClass) {
        stop();
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  // ------------------------------------------------------------------ access

  /** The running gateway. */
  public Gateway gateway() {
    return Objects.requireNonNull(gateway, "cluster not started");
  }

  /** {@code 127.0.0.1:port} of the gateway. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** A client connected to the gateway, shared by the test and closed with the cluster. */
  public Client client() {
    if (client == null) {
      client = Client.builder().gateway(address()).deadline(config.clientDeadline).build();
    }
    return client;
  }

  /** A node started by this cluster. */
  public ComputeNode node(String id) {
    ComputeNode node = nodes.get(id);
    if (node == null) {
      throw new IllegalArgumentException("No node '" + id + "' in this cluster. Nodes: " + nodes.keySet());
    }
    return node;
  }

  /** Starts another node connected to the gateway; it is closed with the cluster. */
  public ComputeNode startNode(String id, Consumer<ComputeNode.Builder> configure) {
    return startNode(id, address(), configure);
  }

  /**
   * Starts a node that reaches the gateway through a {@link TcpProxy}, so the test can
   * {@link TcpProxy#cut()} its connection. Returns the proxy; the node is {@link #node(String)}.
   */
  public TcpProxy startNodeBehindProxy(String id, Consumer<ComputeNode.Builder> configure) {
    TcpProxy proxy = TcpProxy.start(address());
    extras.add(proxy);
    startNode(id, proxy.address(), configure);
    return proxy;
  }

  private ComputeNode startNode(String id, String gatewayAddress, Consumer<ComputeNode.Builder> configure) {
    ComputeNode.Builder builder = ComputeNode.builder().gateway(gatewayAddress).id(id);
    configure.accept(builder);
    ComputeNode node = builder.build().start();
    ComputeNode previous = nodes.put(id, node);
    if (previous != null) {
      previous.close();
    }
    return node;
  }

  /** Closes one node gracefully and forgets it. */
  public void stopNode(String id) {
    node(id).close();
    nodes.remove(id);
  }

  /**
   * Closes the gateway and starts a fresh one on the same port, as a redeploy would. Nodes keep
   * running and must reconnect on their own.
   */
  public Gateway restartGateway() {
    gateway.close();
    gateway = newGateway(port);
    return gateway;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Starts the gateway and the declared nodes (done for you when used as a JUnit extension). */
  public TestCluster start() {
    gateway = newGateway(0);
    port = gateway.port();
    config.nodes.forEach((id, configure) -> startNode(id, configure));
    return this;
  }

  /** Closes everything this cluster started. */
  @Override
  public void close() {
    stop();
  }

  private Gateway newGateway(int onPort) {
    Gateway.Builder builder = Gateway.builder().host("127.0.0.1").port(onPort).drainTimeout(Duration.ofSeconds(2)).warmup(Duration.ZERO)
        .registrationGrace(onPort == 0 ? Duration.ZERO : Duration.ofSeconds(5));
    config.gateway.accept(builder);
    return builder.build().start();
  }

  private void stop() {
    List<Throwable> errors = new ArrayList<>();
    if (client != null) {
      closeInto(client, errors);
      client = null;
    }
    for (ComputeNode node : nodes.values()) {
      closeInto(node, errors);
    }
    nodes.clear();
    for (AutoCloseable extra : extras) {
      closeInto(extra, errors);
    }
    extras.clear();
    if (gateway != null) {
      closeInto(gateway, errors);
      gateway = null;
    }
    if (!errors.isEmpty()) {
      AssertionError failure = new AssertionError("TestCluster did not close cleanly");
      errors.forEach(failure::addSuppressed);
      throw failure;
    }
  }

  private static void closeInto(AutoCloseable closeable, List<Throwable> errors) {
    try {
      closeable.close();
    } catch (Exception e) {
      errors.add(e);
    }
  }

  private void assertNoLeakedCalls() {
    if (gateway == null) {
      return;
    }
    long deadline = System.nanoTime() + config.leakTimeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (gateway.inFlightCalls() == 0 && gateway.queuedCalls() == 0) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError("Leaked calls after the test: " + gateway.inFlightCalls() + " in flight, "
        + gateway.queuedCalls() + " queued, still not answered after " + config.leakTimeout.toMillis() + " ms");
  }

  /** Configures a {@link TestCluster}. */
  public static final class Builder {
    private final Map<String, Consumer<ComputeNode.Builder>> nodes = new LinkedHashMap<>();
    private Consumer<Gateway.Builder> gateway = g -> {};
    private Duration clientDeadline = Duration.ofSeconds(10);
    private Duration leakTimeout = Duration.ofSeconds(5);

    private Builder() {}

    /** Adjusts the gateway's builder (host and port are set by the cluster). */
    public Builder gateway(Consumer<Gateway.Builder> configure) {
      this.gateway = Objects.requireNonNull(configure, "configure");
      return this;
    }

    /** Adds a node with this id; the builder already has the gateway address and id set. */
    public Builder node(String id, Consumer<ComputeNode.Builder> configure) {
      if (nodes.putIfAbsent(id, Objects.requireNonNull(configure, "configure")) != null) {
        throw new IllegalArgumentException("node '" + id + "' added twice");
      }
      return this;
    }

    /** Adds {@code count} identical nodes named {@code node-1} ... {@code node-N}. */
    public Builder nodes(int count, Consumer<ComputeNode.Builder> configure) {
      for (int i = 1; i <= count; i++) {
        node("node-" + i, configure);
      }
      return this;
    }

    /** The default deadline of {@link TestCluster#client()}; default 10 s. */
    public Builder clientDeadline(Duration deadline) {
      this.clientDeadline = Objects.requireNonNull(deadline, "deadline");
      return this;
    }

    /** How long after each test calls may take to drain before the test fails; default 5 s. */
    public Builder leakTimeout(Duration timeout) {
      this.leakTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Builds the extension; register it with {@code @RegisterExtension}. */
    public TestCluster build() {
      return new TestCluster(this);
    }
  }
}
