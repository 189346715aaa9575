package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.client.Client;
import io.easyremote.client.ResultStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote stream}: calls a streaming function and prints items as they arrive, one JSON value per line. */
@Command(name = "stream", description = "Calls a streaming function; prints each item as it arrives, one JSON value per line.")
final class StreamCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Mixin
  FunctionArgs call;

  @Mixin
  RoutingOptions routing;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = Durations.class, description = "Deadline for the whole stream (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    try (Client client = gateway.connect(timeout, spec.commandLine().getErr())) {
      try (ResultStream<JsonNode> items = client.withOptions(routing.toCallOptions()).stream(call.function, JsonNode.class,
          call.values())) {
        for (JsonNode item : items) {
          System.out.println(CliJson.mapper().writeValueAsString(item));
          System.out.flush();
        }
      }
      return 0;
    }
  }
}
