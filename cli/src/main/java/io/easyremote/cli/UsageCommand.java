package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote usage}: metered calls per function, caller, node or node account ({@code GET /api/usage}). */
@Command(name = "usage", description = "Shows metered calls (made or served by your account; every account's with an admin key).")
final class UsageCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Option(names = "--by", defaultValue = "function", paramLabel = "GROUP",
      description = "Group by caller, node_account, function or node (default: ${DEFAULT-VALUE}).")
  String by;

  @Option(names = "--account", paramLabel = "ACCOUNT", description = "One account (admin key only, unless it is yours).")
  String account;

  @Option(names = "--from", paramLabel = "INSTANT", description = "From, ISO-8601 (2026-01-01T00:00:00Z).")
  String from;

  @Option(names = "--to", paramLabel = "INSTANT", description = "Until, ISO-8601.")
  String to;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    StringBuilder query = new StringBuilder("/api/usage?by=").append(enc(by));
    if (account != null) {
      query.append("&account=").append(enc(account));
    }
    if (from != null) {
      query.append("&from=").append(enc(from));
    }
    if (to != null) {
      query.append("&to=").append(enc(to));
    }
    JsonNode answer = new GatewayHttp(gateway, spec.commandLine().getErr()).get(query.toString());
    if (json) {
      System.out.println(CliJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(answer));
      return 0;
    }
    Tables table = new Tables(by.toUpperCase(java.util.Locale.ROOT), "CALLS", "FAILED", "EXECUTION MS", "BYTES IN", "BYTES OUT");
    for (JsonNode u : answer.path("usage")) {
      table.row(u.path("key").asText(), u.path("calls").asLong(), u.path("failed").asLong(), u.path("executionMs").asLong(),
          u.path("bytesIn").asLong(), u.path("bytesOut").asLong());
    }
    table.print(System.out);
    return 0;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
