package io.easyremote.cli;

import io.easyremote.client.Client;
import io.easyremote.protocol.FunctionInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote functions}: what can be called. */
@Command(name = "functions", description = "Lists the registered functions and the nodes offering them.")
final class FunctionsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (Client client = gateway.connect(Duration.ofSeconds(10), spec.commandLine().getErr())) {
      List<FunctionInfo> functions = client.functions();
      if (json) {
        System.out.println(CliJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(functions));
        return 0;
      }
      Tables table = new Tables("FUNCTION", "PARAMETERS", "KIND", "NODES", "DESCRIPTION");
      for (FunctionInfo f : functions) {
        String params = f.parameters().stream().map(p -> p.name() + ": " + simple(p.type())).collect(Collectors.joining(", "));
        String kind = (f.streaming() ? "stream" : "unary") + (f.idempotent() ? ", idempotent" : "") + (f.isPublic() ? ", public" : "");
        table.row(f.name(), "(" + params + ")", kind, String.join(",", f.nodeIds()), f.description());
      }
      table.print(System.out);
      return 0;
    }
  }

  private static String simple(String typeName) {
    return typeName.replaceAll("[a-z][a-z0-9_]*\\.", "").replaceAll("\\$", ".");
  }
}
