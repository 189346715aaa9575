package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.client.CallOptions;
import io.easyremote.client.Client;
import io.easyremote.client.FanOut;
import io.easyremote.client.Gathered;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote broadcast}: calls a function once on every matching node and prints the results by node id. */
@Command(name = "broadcast", description = {
    "Calls a function once on every node offering it (and meeting --require), all at once.",
    "Prints {\"node-id\": result, ...} as JSON; nodes that failed or did not answer are listed on stderr.",
    "With --quorum K it returns once K nodes answered; exit 1 when fewer did within --within."})
final class BroadcastCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Mixin
  FunctionArgs call;

  @Option(names = "--quorum", paramLabel = "K", defaultValue = "0", description = "Answers needed (default: every node).")
  int quorum;

  @Option(names = "--within", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
      description = "How long to gather, and each call's deadline (default: ${DEFAULT-VALUE}).")
  Duration within;

  @Option(names = "--require", paramLabel = "LABEL=VALUE", description = "Only nodes with this label (repeatable; VALUE * = any).")
  List<String> require = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    CallOptions.Builder options = CallOptions.builder();
    for (String r : require) {
      int eq = r.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--require must be LABEL=VALUE (VALUE * = any), got '" + r + "'");
      }
      options.require(r.substring(0, eq), r.substring(eq + 1));
    }
    try (Client root = gateway.connect(within, spec.commandLine().getErr())) {
      Gathered<JsonNode> gathered = root.withOptions(options.build()).broadcast(call.function, JsonNode.class,
          FanOut.builder().quorum(quorum).within(within).build(), call.values());
      ObjectNode results = CliJson.mapper().createObjectNode();
      gathered.results().forEach(results::set);
      System.out.println(CliJson.mapper().writeValueAsString(results));
      gathered.errors().forEach((node, e) -> System.err.println(node + ": " + Main.describe(e)));
      gathered.unanswered().forEach(node -> System.err.println(node + ": no answer before the quorum was reached (cancelled)"));
      return Main.OK;
    }
  }
}
