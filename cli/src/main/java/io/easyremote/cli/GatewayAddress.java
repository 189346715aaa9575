package io.easyremote.cli;

import java.util.function.Function;
import picocli.CommandLine.Option;

/** The {@code --gateway} option shared by the node and the client-side commands. */
final class GatewayAddress {
  private final Function<String, String> environment;

  @Option(names = "--gateway", paramLabel = "HOST:PORT",
      description = "The gateway to talk to (default: $EASYREMOTE_GATEWAY, else 127.0.0.1:8080).")
  String address;

  GatewayAddress(Function<String, String> environment) {
    this.environment = environment;
  }

  String address() {
    if (address != null) {
      return address;
    }
    String env = Main.env(environment, "EASYREMOTE_GATEWAY");
    return env != null ? env : "127.0.0.1:8080";
  }
}
