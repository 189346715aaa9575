package io.easyremote.cli;

import picocli.CommandLine.Option;

/** The {@code --gateway} option shared by the client-side commands. */
final class GatewayAddress {
  @Option(names = "--gateway", paramLabel = "HOST:PORT",
      description = "The gateway to talk to (default: $EASYREMOTE_GATEWAY, else 127.0.0.1:8080).")
  String address;

  @Option(names = "--key", paramLabel = "KEY", description = "A client key (default: $EASYREMOTE_KEY).")
  String key;

  String address() {
    if (address != null) {
      return address;
    }
    String env = System.getenv("EASYREMOTE_GATEWAY");
    return env != null && !env.isBlank() ? env : "127.0.0.1:8080";
  }

  String key() {
    return key != null ? key : System.getenv("EASYREMOTE_KEY");
  }
}
