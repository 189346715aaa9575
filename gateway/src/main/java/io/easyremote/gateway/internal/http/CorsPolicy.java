package io.easyremote.gateway.internal.http;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import java.util.List;
import java.util.function.Function;

/**
 * Cross-origin access for web pages on other origins: which origins may call the gateway's HTTP
 * API from a browser ({@code fetch}, {@code EventSource}), answered on the preflight
 * ({@code OPTIONS} with {@code Access-Control-Request-Method}) and on each response. Without
 * configured origins there is no decorator at all, so browsers allow only same-origin pages (the
 * dashboard and {@code /docs}).
 *
 * <p>Credentials (cookies) are never allowed: callers authenticate with {@code Authorization:
 * Bearer}, which a page sends explicitly.
 */
public final class CorsPolicy {
  /** Request headers a page may send: the body type, a client key, call options and trace context. */
  static final List<String> REQUEST_HEADERS = List.of("content-type", "authorization", "accept", "x-easyremote-timeout",
      "idempotency-key", "x-easyremote-caller", "traceparent", "tracestate");
  /** Response headers a page may read. */
  static final List<String> EXPOSED_HEADERS = List.of("x-easyremote-node", "retry-after");

  private CorsPolicy() {}

  /**
   * The decorator allowing {@code origins} ({@code https://app.example.com}; {@code *} = any
   * origin), or null when the list is empty.
   */
  public static Function<? super HttpService, ? extends HttpService> decorator(List<String> origins) {
    if (origins.isEmpty()) {
      return null;
    }
    CorsServiceBuilder cors = origins.contains("*") ? CorsService.builderForAnyOrigin() : CorsService.builder(origins);
    return cors.allowRequestMethods(HttpMethod.GET, HttpMethod.POST)
        .allowRequestHeaders(REQUEST_HEADERS)
        .exposeHeaders(EXPOSED_HEADERS)
        .maxAge(600)
        .newDecorator();
  }

  /**
   * @throws IllegalArgumentException unless {@code origin} is {@code *} or a scheme and host
   *     (optionally a port) without a path, as browsers send it in {@code Origin}
   */
  public static String checkOrigin(String origin) {
    if (origin.equals("*") || origin.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
      return origin;
    }
    throw new IllegalArgumentException("A CORS origin is scheme://host[:port] with no path or trailing slash "
        + "(as in a browser's Origin header), or * for any origin; got '" + origin + "'");
  }
}
