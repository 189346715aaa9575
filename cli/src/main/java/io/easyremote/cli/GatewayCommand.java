package io.easyremote.cli;

import io.easyremote.gateway.Access;
import io.easyremote.gateway.Gateway;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote gateway}: runs a gateway until interrupted. */
@Command(name = "gateway", description = "Runs a gateway until Ctrl-C (then drains and stops).")
final class GatewayCommand implements Callable<Integer> {
  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8080", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML with nodeTokens, clientKeys and publicFunctions (see easyremote keygen).")
  Path config;

  @Option(names = "--insecure", description = "Allow listening beyond loopback without node tokens and client keys.")
  boolean insecure;

  @Option(names = "--io-threads", paramLabel = "N",
      description = "Event-loop threads for all connections (default: one per four CPU cores, at least one).")
  Integer ioThreads;

  @Option(names = "--state", paramLabel = "DIR",
      description = "Keep durable state (async jobs) in DIR/easyremote.db, an embedded SQLite database; without it the gateway runs no jobs.")
  Path state;

  @Option(names = "--state-url", paramLabel = "JDBC-URL",
      description = "Keep durable state in PostgreSQL instead: jdbc:postgresql://host:port/db?user=..&password=.. (or EASYREMOTE_STATE_URL).")
  String stateUrl;

  @Option(names = "--state-sync", paramLabel = "full|normal", defaultValue = "full", converter = SyncModeConverter.class,
      description = "How far each commit of the state store is made durable: full (default: on disk, survives a power loss) or normal "
          + "(survives a crash of the gateway's process only; faster). See docs/credits.md.")
  io.easyremote.store.SyncMode stateSync;

  @Option(names = "--credits-operator", paramLabel = "ACCOUNT",
      description = "Charge for functions that have a price; the routing fee goes to ACCOUNT. Needs --state or --state-url.")
  String creditsOperator;

  @Option(names = "--credits-fee-bp", paramLabel = "BASIS-POINTS", defaultValue = "0",
      description = "The operator's fee in basis points of each charge, 0-10000 (default: ${DEFAULT-VALUE}).")
  int creditsFeeBasisPoints;

  @Option(names = "--credits-early-results",
      description = "Send a paid call's result before its settlement is committed: as fast as a free call, but a gateway "
          + "crash in those milliseconds leaves the call uncharged (default: the result waits for the settlement).")
  boolean creditsEarlyResults;

  @Option(names = "--gateway-id", paramLabel = "ID",
      description = "This gateway's id in a cluster (1-64 letters, digits, '-', '_') and in the ledger (there 1-32 letters, digits, '_'); "
          + "each gateway of a cluster, or sharing one PostgreSQL, needs its own.")
  String gatewayId;

  @Mixin
  ClusterOptions cluster;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve TLS with this PEM certificate chain (needs --tls-key).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "The PEM (PKCS#8) private key of --tls-cert.")
  Path tlsKey;

  @Option(names = "--cors-origin", paramLabel = "ORIGIN",
      description = "A web origin whose pages may call the HTTP API from a browser, e.g. https://app.example.com (repeatable; * = any). "
          + "Default: none beyond the gateway's own pages.")
  java.util.List<String> corsOrigins = new java.util.ArrayList<>();

  @Option(names = "--otlp-endpoint", paramLabel = "URL",
      description = "Export OpenTelemetry spans of every call over OTLP/HTTP, e.g. http://localhost:4318/v1/traces (default: off).")
  String otlpEndpoint;

  /** Armeria's flag for its TLS engine (BoringSSL through netty-tcnative, or the JDK's). */
  private static final String ARMERIA_OPENSSL = "com.linecorp.armeria.useOpenSsl";

  @Override
  public Integer call() throws Exception {
    if (tlsCert == null && System.getProperty(ARMERIA_OPENSSL) == null) {
      // Plaintext: Armeria need not load BoringSSL (about 2 MB resident) for TLS it will not serve.
      // Set before Armeria reads its flags; -Dcom.linecorp.armeria.useOpenSsl=... still decides.
      System.setProperty(ARMERIA_OPENSSL, "false");
    }
    Access access = config == null ? Access.open() : Access.fromYaml(config);
    Gateway.Builder builder = Gateway.builder().host(host).port(port).access(access).insecure(insecure);
    String url = stateUrl != null ? stateUrl : System.getenv("EASYREMOTE_STATE_URL");
    if (url != null && !url.isBlank()) {
      builder.stateJdbcUrl(url);
    } else if (state != null) {
      builder.state(state);
    }
    builder.stateSync(stateSync);
    if (creditsOperator != null) {
      builder.credits(creditsOperator, creditsFeeBasisPoints).creditsSettleBeforeResult(!creditsEarlyResults);
    }
    if (gatewayId != null && (creditsOperator != null || gatewayId.matches("[A-Za-z0-9_]{1,32}"))) {
      builder.gatewayId(gatewayId); // the ledger's id; a cluster id such as gw-a matters to the ledger only with credits
    }
    io.easyremote.gateway.ClusterConfig clusterConfig = cluster.config(gatewayId, spec.commandLine().getErr());
    if (clusterConfig != null) {
      builder.cluster(clusterConfig);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both, or neither for plaintext");
    }
    if (tlsCert != null) {
      builder.tls(tlsCert, tlsKey);
    }
    if (ioThreads != null) {
      builder.ioThreads(ioThreads);
    }
    builder.corsOrigins(corsOrigins.toArray(String[]::new));
    if (otlpEndpoint != null) {
      builder.otlpEndpoint(otlpEndpoint);
    }
    Gateway gateway = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "easyremote-shutdown"));
    System.out.println("EasyRemote gateway listening on " + gateway.address() + (tlsCert != null ? " with TLS" : "")
        + (clusterConfig != null ? " in cluster as " + clusterConfig.gatewayId() : "")
        + (host.equals(gateway.address().split(":")[0]) ? "" : " (bound to " + host + ")"));
    System.out.flush();
    gateway.awaitTermination();
    return 0;
  }

  /** {@code full} or {@code normal}, case-insensitively. */
  static final class SyncModeConverter implements picocli.CommandLine.ITypeConverter<io.easyremote.store.SyncMode> {
    @Override
    public io.easyremote.store.SyncMode convert(String value) {
      try {
        return io.easyremote.store.SyncMode.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
