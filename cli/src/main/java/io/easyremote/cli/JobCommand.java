package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.client.Client;
import io.easyremote.client.Job;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code easyremote job}: a job's status, or with {@code --wait} its result. */
@Command(name = "job", description = "Prints an async job's status as JSON; with --wait, waits for it and prints its result "
    + "as call does (CODE: message on stderr, exit 1, when it failed).")
final class JobCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Parameters(index = "0", paramLabel = "ID", description = "The job id that submit printed.")
  String id;

  @Option(names = "--wait", description = "Wait until the job finishes and print its result.")
  boolean await;

  @Option(names = "--cancel", description = "Cancel the job (unless it already finished) and print its status.")
  boolean cancel;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
      description = "Deadline for asking the gateway (default: ${DEFAULT-VALUE}); --wait itself waits as long as the job runs.")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    try (Client client = gateway.connect(timeout, spec.commandLine().getErr())) {
      Job<JsonNode> job = client.job(id, JsonNode.class);
      if (await) {
        JsonNode result;
        try {
          result = job.result().join();
        } catch (CompletionException e) {
          throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        System.out.println(result == null ? "null" : CliJson.mapper().writeValueAsString(result));
        return 0;
      }
      Job.Status status = cancel ? job.cancel() : job.status();
      System.out.println(CliJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJson(status)));
      return 0;
    }
  }

  private static ObjectNode toJson(Job.Status s) {
    ObjectNode json = CliJson.mapper().createObjectNode();
    json.put("id", s.id());
    json.put("function", s.function());
    json.put("state", s.state().name().toLowerCase(Locale.ROOT));
    if (s.state() == Job.State.QUEUED) {
      json.put("position", s.queuePosition());
    }
    if (s.nodeId() != null) {
      json.put("nodeId", s.nodeId());
    }
    json.put("attempts", s.attempts());
    json.put("createdAt", s.createdAt().toString());
    if (s.finishedAt() != null) {
      json.put("finishedAt", s.finishedAt().toString());
    }
    if (s.expiresAt() != null) {
      json.put("expiresAt", s.expiresAt().toString());
    }
    if (s.error() != null) {
      json.putObject("error").put("code", s.error().code().name()).put("message", s.error().getMessage());
    }
    return json;
  }
}
