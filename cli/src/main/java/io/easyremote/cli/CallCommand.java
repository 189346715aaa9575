package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.client.Client;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote call}: calls a function and prints its JSON result. */
@Command(name = "call", description = "Calls a function; prints the JSON result, or CODE: message on stderr (exit 1).")
final class CallCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Mixin
  FunctionArgs call;

  @Mixin
  RoutingOptions routing;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class, description = "Deadline: 500ms, 5s, 1m or ISO-8601 such as PT5S (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    try (Client client = gateway.connect(timeout, spec.commandLine().getErr())) {
      Object[] values = call.values();
      JsonNode result = client.withOptions(routing.toCallOptions()).call(call.function, JsonNode.class, values);
      System.out.println(result == null ? "null" : CliJson.mapper().writeValueAsString(result));
      return 0;
    }
  }
}
