package io.easyremote.gateway.internal.http;

import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.RequestHeaders;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.internal.DurationText;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Call options from an HTTP request: {@code ?timeout=5s} (or header {@code X-EasyRemote-Timeout}),
 * {@code ?strategy=least_loaded}, {@code ?require=gpu=*} (repeatable), {@code ?maxCost=2},
 * {@code ?idempotencyKey=...} (or header {@code Idempotency-Key}).
 *
 * @param timeout the deadline, or null for the gateway's default
 * @param strategy the strategy, or null for the default
 * @param requirements what the node must offer
 * @param idempotencyKey the caller's key, or null
 */
record HttpOptions(Duration timeout, Strategy strategy, Requirements requirements, String idempotencyKey) {

  /** @throws IllegalArgumentException naming the option that is malformed */
  static HttpOptions parse(RequestHeaders headers, QueryParams query) {
    String timeoutText = firstOf(query.get("timeout"), headers.get("x-easyremote-timeout"));
    Duration timeout = null;
    if (timeoutText != null) {
      timeout = DurationText.parse(timeoutText);
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be > 0: " + timeoutText);
      }
    }
    String strategyText = query.get("strategy");
    Strategy strategy = strategyText == null ? null : Strategy.fromWireName(strategyText);
    Map<String, String> labels = new LinkedHashMap<>();
    for (String require : query.getAll("require")) {
      int eq = require.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("require must be label=value (value * = present), got '" + require + "'");
      }
      labels.put(require.substring(0, eq), require.substring(eq + 1));
    }
    double maxCost = 0;
    String cost = query.get("maxCost");
    if (cost != null) {
      try {
        maxCost = Double.parseDouble(cost);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("maxCost must be a number, got '" + cost + "'");
      }
    }
    Requirements requirements = labels.isEmpty() && maxCost == 0 ? Requirements.NONE : new Requirements(labels, 0, 0, maxCost);
    String key = firstOf(query.get("idempotencyKey"), headers.get("idempotency-key"));
    return new HttpOptions(timeout, strategy, requirements, key);
  }

  private static String firstOf(String a, String b) {
    return a != null ? a : b;
  }
}
