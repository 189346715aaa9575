package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote credits}: an account's balance and recent statement ({@code GET /api/account}). */
@Command(name = "credits", description = "Shows your credits account (another one with --account and an admin key): "
    + "available, reserved, granted, earned, spent and the recent transfers.")
final class CreditsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Option(names = "--account", paramLabel = "ACCOUNT", description = "Another account (admin key only).")
  String account;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    JsonNode a = new GatewayHttp(gateway, spec.commandLine().getErr())
        .get("/api/account" + (account == null ? "" : "?account=" + URLEncoder.encode(account, StandardCharsets.UTF_8)));
    if (json) {
      System.out.println(CliJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(a));
      return 0;
    }
    System.out.printf("account %s: available %d, reserved %d, granted %d, earned %d, spent %d%n", a.path("account").asText(),
        a.path("available").asLong(), a.path("reserved").asLong(), a.path("granted").asLong(), a.path("earned").asLong(),
        a.path("spent").asLong());
    Tables table = new Tables("WHEN", "KIND", "CODE", "FROM", "TO", "AMOUNT", "ID");
    for (JsonNode t : a.path("recent")) {
      table.row(Instant.ofEpochMilli(t.path("at").asLong()).toString(), t.path("kind").asText(), t.path("code").asText(),
          t.path("debit").asText(), t.path("credit").asText(), t.path("amount").asLong(), t.path("id").asText());
    }
    table.print(System.out);
    return 0;
  }
}
