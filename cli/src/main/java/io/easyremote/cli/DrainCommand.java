package io.easyremote.cli;

import io.easyremote.client.Client;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code easyremote drain NODE}: takes a node out of service gracefully. */
@Command(name = "drain", description = "Drains a node: no new calls go to it, running ones finish, then it disconnects.")
final class DrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Parameters(index = "0", paramLabel = "NODE", description = "The node id.")
  String node;

  @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class, description = "How long running calls may take (default: ${DEFAULT-VALUE}).")
  Duration grace;

  @Override
  public Integer call() {
    try (Client client = gateway.connect(Duration.ofSeconds(10), spec.commandLine().getErr())) {
      int running = client.drain(node, grace);
      System.out.println("Draining " + node + ": " + running + " call(s) still running; it disconnects when they finish.");
      return 0;
    }
  }
}
