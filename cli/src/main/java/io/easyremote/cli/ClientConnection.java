package io.easyremote.cli;

import io.easyremote.client.Client;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How the client-side commands reach the gateway: its address, a client key and TLS trust. */
final class ClientConnection {
  private final Function<String, String> environment;

  @Mixin
  GatewayAddress gateway;

  @Mixin
  TlsTrust tls;

  @Option(names = "--key", paramLabel = "KEY",
      description = "A client key. Visible to other users in ps: prefer --key-file or $EASYREMOTE_KEY.")
  String key;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "A file holding the client key. Without --key or --key-file, $EASYREMOTE_KEY is used.")
  Path keyFile;

  ClientConnection(Function<String, String> environment) {
    this.environment = environment;
  }

  String address() {
    return gateway.address();
  }

  /** The client key, from --key (warned about on {@code err}), --key-file or $EASYREMOTE_KEY; null for none. */
  String key(PrintWriter err) {
    return Secrets.resolve(Secrets.CLIENT_KEY, key, keyFile, Main.env(environment, "EASYREMOTE_KEY"), err);
  }

  /** A client for this gateway, key and TLS trust, with {@code deadline} for each call. */
  Client connect(Duration deadline, PrintWriter err) {
    Client.Builder builder = Client.builder().gateway(address()).deadline(deadline);
    String secret = key(err);
    if (secret != null) {
      builder.apiKey(secret);
    }
    if (tls.enabled()) {
      Path ca = tls.ca();
      if (ca == null) {
        builder.tls();
      } else {
        builder.tls(ca);
      }
    }
    return builder.build();
  }
}
