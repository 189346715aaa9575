package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.client.CallOptions;
import io.easyremote.client.Client;
import io.easyremote.client.Job;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote submit}: submits an async job and prints its id. */
@Command(name = "submit", description = "Submits a function call as an async job (stored by the gateway) and prints the job id; "
    + "read it later with: easyremote job ID [--wait].")
final class SubmitCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Mixin
  FunctionArgs call;

  @Option(names = "--node", paramLabel = "ID", description = "Run it on this node.")
  String node;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
      description = "How long the gateway may take to store the job (default: ${DEFAULT-VALUE}); the job itself runs under the gateway's job timeout.")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    try (Client client = gateway.connect(timeout, spec.commandLine().getErr())) {
      Client c = node == null ? client : client.withOptions(CallOptions.builder().node(node).build());
      Job<JsonNode> job = c.submit(call.function, JsonNode.class, call.values());
      System.out.println(job.id());
      return 0;
    }
  }
}
