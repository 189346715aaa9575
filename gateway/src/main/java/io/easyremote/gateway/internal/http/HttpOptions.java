package io.easyremote.gateway.internal.http;

import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.RequestHeaders;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.protocol.DurationText;
import io.easyremote.protocol.Strategy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The call options of one HTTP request, parsed in one place:
 *
 * <ul>
 *   <li>{@code ?timeout=5s} or header {@code X-EasyRemote-Timeout: 5s}: the call's deadline
 *       ({@code 500ms}, {@code 5s}, {@code 1m}, {@code 1h} or ISO-8601 {@code PT5S}); the query
 *       wins when both are present;
 *   <li>{@code ?strategy=least_loaded}: the balancing strategy, by its wire name;
 *   <li>{@code ?require=gpu=rtx4090} (repeatable; {@code gpu=*} = the label is present): node
 *       label requirements;
 *   <li>{@code ?maxCost=2}: the most a node may cost per call;
 *   <li>{@code ?idempotencyKey=order-42} or header {@code Idempotency-Key}: de-duplicates repeats.
 * </ul>
 *
 * @param timeout the deadline, or null for the gateway's default
 * @param strategy the strategy, or null for the gateway's default
 * @param requirements what the node must offer
 * @param idempotencyKey the caller's key, or null
 */
record HttpOptions(Duration timeout, Strategy strategy, Requirements requirements, String idempotencyKey) {
  static final String TIMEOUT_HEADER = "x-easyremote-timeout";

  /**
   * Parses the options of a request.
   *
   * @throws IllegalArgumentException naming the malformed option and the accepted forms
   */
  static HttpOptions parse(RequestHeaders headers, QueryParams query) {
    Duration timeout = timeout(firstOf(query.get("timeout"), headers.get(TIMEOUT_HEADER)));
    String strategyText = query.get("strategy");
    Strategy strategy = strategyText == null || strategyText.isEmpty() ? null : Strategy.fromWireName(strategyText);
    Map<String, String> labels = new LinkedHashMap<>();
    for (String require : query.getAll("require")) {
      int eq = require.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("require must be label=value (value * = the label is present), got '" + require + "'");
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
      if (!(maxCost >= 0) || Double.isInfinite(maxCost)) {
        throw new IllegalArgumentException("maxCost must be a finite number >= 0, got '" + cost + "'");
      }
    }
    Requirements requirements = labels.isEmpty() && maxCost == 0 ? Requirements.NONE : new Requirements(labels, 0, 0, maxCost);
    String key = firstOf(query.get("idempotencyKey"), headers.get("idempotency-key"));
    return new HttpOptions(timeout, strategy, requirements, key == null || key.isEmpty() ? null : key);
  }

  /** The deadline to use: this request's timeout, else the gateway's default. */
  Duration timeoutOr(Duration defaultTimeout) {
    return timeout != null ? timeout : defaultTimeout;
  }

  private static Duration timeout(String text) {
    if (text == null) {
      return null;
    }
    Duration timeout;
    try {
      timeout = DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Bad timeout: " + e.getMessage());
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("Bad timeout: it must be > 0, got '" + text + "'");
    }
    if (timeout.compareTo(CallRequestSpec.MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException("Bad timeout: it may be at most " + CallRequestSpec.MAX_TIMEOUT.toDays() + " days, got '" + text + "'");
    }
    return timeout;
  }

  private static String firstOf(String a, String b) {
    return a != null ? a : b;
  }
}
