package io.easyremote.testing;

import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The HTTP client the tests use for REST, {@code /metrics} and the other HTTP routes: HTTP/1.1.
 * The JDK client's default for {@code http://} is an h2c upgrade, and twice in CI a {@code
 * /metrics} read upgraded that way never got its response: after 16 s the test failed with "EOF
 * reached while reading", which fits the gateway closing the connection as idle (15 s) without
 * having seen a request on it. Scrapers and browsers speak HTTP/1.1 to {@code http://} anyway.
 */
public final class Http1 {
  /** Shared: one connection pool for all tests of a JVM. */
  public static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private Http1() {}
}
