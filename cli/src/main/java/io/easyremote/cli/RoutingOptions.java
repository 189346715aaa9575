package io.easyremote.cli;

import io.easyremote.client.CallOptions;
import io.easyremote.client.RetryPolicy;
import io.easyremote.protocol.Strategy;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The per-call options {@code call} and {@code stream} share, as the Java client's
 * {@link CallOptions} and HTTP's query options offer them: node, strategy, requirements, cost
 * limit, idempotency key and retries.
 */
final class RoutingOptions {
  @Option(names = "--node", paramLabel = "ID", description = "Run it on this node.")
  String node;

  @Option(names = "--strategy", paramLabel = "NAME",
      description = "How the gateway picks the node: round_robin, least_loaded, latency, resource_aware, cost_aware, smart (default).")
  String strategy;

  @Option(names = "--require", paramLabel = "KEY=VALUE",
      description = "Only nodes labelled KEY=VALUE (VALUE * = any value); repeatable.")
  List<String> requires = new ArrayList<>();

  @Option(names = "--max-cost", paramLabel = "COST", description = "Only nodes costing at most COST per call.")
  Double maxCost;

  @Option(names = "--idempotency-key", paramLabel = "KEY",
      description = "Repeats with the same key within 10 minutes get the first call's outcome instead of running again.")
  String idempotencyKey;

  @Option(names = "--retry", paramLabel = "N",
      description = "Try up to N times in all on failures worth retrying (1 = no retry; default: the client's).")
  Integer retry;

  /**
   * The options given, on top of the defaults.
   *
   * @throws IllegalArgumentException for a bad value (the command exits with a usage error naming it)
   */
  CallOptions toCallOptions() {
    CallOptions.Builder options = CallOptions.builder();
    if (node != null) {
      options.node(node);
    }
    if (strategy != null) {
      options.strategy(Strategy.fromWireName(strategy));
    }
    for (String require : requires) {
      int eq = require.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--require takes KEY=VALUE (VALUE * = any value), got '" + require + "'");
      }
      options.require(require.substring(0, eq), require.substring(eq + 1));
    }
    if (maxCost != null) {
      options.maxCost(maxCost);
    }
    if (idempotencyKey != null) {
      options.idempotencyKey(idempotencyKey);
    }
    if (retry != null) {
      options.retry(RetryPolicy.builder().maxAttempts(retry).build());
    }
    return options.build();
  }
}
