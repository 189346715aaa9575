package io.easyremote.testing;

import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The HTTP client the tests use for REST, {@code /metrics} and the other HTTP routes: HTTP/1.1.
 * The JDK client's default for {@code http://} is an h2c upgrade, and twice in CI a {@code
 * /metrics} read upgraded that way never got its response: the gateway saw no request on the
 * upgraded connection, closed it when it idled out after 15 s, and the test failed with "EOF
 * reached while reading". Scrapers and browsers speak HTTP/1.1 to {@code http://} anyway.
 */
public final class Http1 {
  /** Shared: one connection pool for all tests of a JVM. */
  public static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private Http1() {}
}
