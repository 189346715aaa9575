package io.easyremote.bench;

import com.linecorp.armeria.common.SessionProtocol;
import io.easyremote.bench.callers.Caller;
import io.easyremote.bench.callers.NatsCaller;
import io.easyremote.bench.callers.RelayedCaller;
import io.easyremote.bench.callers.RestCaller;
import io.easyremote.bench.callers.StubCaller;
import io.easyremote.client.Client;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes most scenarios share, all on 127.0.0.1: a gateway with one node behind it, the
 * direct gRPC echo server (the one-hop floor), and, when it can be found, a nats-server with a
 * responder process (the peer yardstick). The benchmark's own process is the caller.
 */
final class Lab implements AutoCloseable {
  static final int MAX_PAYLOAD = 32 << 20;

  final ChildJvm gateway;
  final ChildJvm node;
  final ChildJvm echo;
  final NatsServer nats;
  final ChildJvm natsResponder;
  final String natsNote;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  private Lab(ChildJvm gateway, ChildJvm node, ChildJvm echo, NatsServer nats, ChildJvm natsResponder, String natsNote) {
    this.gateway = gateway;
    this.node = node;
    this.echo = echo;
    this.nats = nats;
    this.natsResponder = natsResponder;
    this.natsNote = natsNote;
  }

  /** Starts everything and waits until the node is registered. */
  static Lab start(Settings settings) throws IOException, InterruptedException {
    Path logs = settings.logDir();
    ChildJvm gateway = ChildJvm.start(logs, settings.gatewayJvmOptions(), "gateway", Integer.toString(MAX_PAYLOAD));
    ChildJvm node = ChildJvm.start(logs, settings.nodeJvmOptions(), "node", "127.0.0.1:" + gateway.ready("port"), "bench-node", "256");
    ChildJvm echo = ChildJvm.start(logs, List.of(), "echo");
    NatsServer nats = null;
    ChildJvm responder = null;
    String note;
    Path binary = NatsServer.find();
    if (binary == null) {
      note = "NATS baseline skipped: nats-server is not installed (scripts/install-bench-deps.sh installs the Debian package).";
    } else {
      nats = NatsServer.start(binary);
      responder = ChildJvm.start(logs, List.of(), "nats-responder", nats.url());
      note = "NATS: " + nats.version() + " on 127.0.0.1, jnats client, responder in its own JVM.";
    }
    return new Lab(gateway, node, echo, nats, responder, note);
  }

  /**
   * Warms up the JIT of every process once: relayed (small and 64 KiB calls, gRPC and REST) for
   * {@code settings.jitWarmup()}, the baselines for a third of it each.
   */
  void warmUp(Settings settings) throws Exception {
    Client client = client();
    List<Caller> relayed = List.of(
        RelayedCaller.text("relayed", client, LatencyScenario.SMALL),
        RelayedCaller.bytes("relayed", client, 64 << 10),
        new RestCaller(gatewayPort(), SessionProtocol.H1C, LatencyScenario.SMALL),
        new RestCaller(gatewayPort(), SessionProtocol.H2C, LatencyScenario.SMALL));
    Duration slice = settings.jitWarmup().dividedBy(6);
    Rounds.warmUp(List.of(relayed.get(0)), slice.multipliedBy(3)); // small calls get half the time, the rest a sixth each
    for (int i = 1; i < relayed.size(); i++) {
      Rounds.warmUp(List.of(relayed.get(i)), slice);
      relayed.get(i).close();
    }
    try (Caller direct = StubCaller.direct(echoPort(), LatencyScenario.SMALL)) {
      Rounds.warmUp(List.of(direct), settings.jitWarmup().dividedBy(3));
    }
    if (nats != null) {
      try (Caller natsCaller = new NatsCaller(nats.url(), LatencyScenario.SMALL)) {
        Rounds.warmUp(List.of(natsCaller), settings.jitWarmup().dividedBy(3));
      }
    }
  }

  /** The processes that serve {@code path} (besides the caller): gateway and node, the echo server, or NATS. */
  long[] serverPids(String path) {
    if (path.startsWith("direct")) {
      return new long[] {echo.pid()};
    }
    if (path.startsWith("NATS")) {
      return nats == null ? new long[0] : new long[] {nats.pid(), natsResponder.pid()};
    }
    return new long[] {gateway.pid(), node.pid()};
  }

  String gatewayAddress() {
    return "127.0.0.1:" + gateway.ready("port");
  }

  int gatewayPort() {
    return Integer.parseInt(gateway.ready("port"));
  }

  int echoPort() {
    return Integer.parseInt(echo.ready("port"));
  }

  /** A client of the gateway that the lab closes at the end. */
  Client client() {
    return client(true);
  }

  /**
   * The same, sending small calls on the gateway's call channel (the default) or, without it, each
   * as a {@code Gateway.Call} of its own: the path before the channel, as a same-run baseline.
   */
  Client client(boolean callChannel) {
    Client client = Client.builder().gateway(gatewayAddress()).maxPayloadBytes(MAX_PAYLOAD).deadline(Duration.ofSeconds(60))
        .callChannel(callChannel).build();
    closeables.add(client);
    return client;
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (natsResponder != null) {
      natsResponder.close();
    }
    if (nats != null) {
      nats.close();
    }
    echo.close();
    node.close();
    gateway.close();
  }
}
