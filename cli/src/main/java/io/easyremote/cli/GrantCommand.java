package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code easyremote grant ACCOUNT AMOUNT}: mints credits to an account ({@code POST /api/admin/grant}, admin key only). */
@Command(name = "grant", description = "Grants credits (whole numbers in the smallest unit) to an account. Needs an admin key.")
final class GrantCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Parameters(index = "0", paramLabel = "ACCOUNT", description = "The account, as in gateway.yaml (a key's or token's account).")
  String account;

  @Parameters(index = "1", paramLabel = "AMOUNT", description = "Credits to grant, > 0.")
  String amount;

  @Option(names = "--id", paramLabel = "ID", description = "A transfer id that makes a retry safe (default: a new one).")
  String id;

  @Override
  public Integer call() throws Exception {
    if (!amount.matches("[0-9]{1,25}")) {
      throw new IllegalArgumentException("AMOUNT must be a whole number > 0, not " + amount);
    }
    var body = CliJson.mapper().createObjectNode().put("account", account);
    body.set("amount", CliJson.mapper().readTree(amount)); // as given: the gateway names an overflow
    if (id != null) {
      body.put("id", id);
    }
    JsonNode answer = new GatewayHttp(gateway, spec.commandLine().getErr()).post("/api/admin/grant", body.toString());
    System.out.printf("granted %d to %s (%s)%n", answer.path("amount").asLong(), answer.path("account").asText(), answer.path("id").asText());
    return 0;
  }
}
