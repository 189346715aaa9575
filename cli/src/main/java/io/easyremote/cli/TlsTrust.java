package io.easyremote.cli;

import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** {@code --tls} and {@code --tls-ca}: how the node and the client-side commands dial a TLS gateway. */
final class TlsTrust {
  private final Function<String, String> environment;

  @Option(names = "--tls", description = "Dial the gateway over TLS, trusting the system's certificate authorities.")
  boolean tls;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "Dial the gateway over TLS, trusting only the certificate authority in this PEM file (default: $EASYREMOTE_TLS_CA).")
  Path ca;

  TlsTrust(Function<String, String> environment) {
    this.environment = environment;
  }

  /** The CA file to trust, or null for the system's. */
  Path ca() {
    if (ca != null) {
      return ca;
    }
    String env = Main.env(environment, "EASYREMOTE_TLS_CA");
    return env == null ? null : Path.of(env);
  }

  /** Whether to dial over TLS at all. */
  boolean enabled() {
    return tls || ca() != null;
  }
}
