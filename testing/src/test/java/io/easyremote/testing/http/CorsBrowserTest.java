package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * CORS seen by a real browser: a page served from another origin calls a function with
 * {@code fetch} (a JSON POST, so Chromium sends a preflight first). The gateway allows one page
 * origin; the same page from a second origin is refused by the browser.
 */
class CorsBrowserTest {
  private static final HttpServer allowedSite = site();
  private static final HttpServer otherSite = site();

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.corsOrigins(origin(allowedSite)))
      .node("cors", n -> n.register(new SampleFunctions("cors")))
      .build();

  /** Chromium's profiles, one per page load; JUnit deletes them. */
  @TempDir
  static Path profiles;

  private static String origin(HttpServer site) {
    return "http://127.0.0.1:" + site.getAddress().getPort();
  }

  /** A web site on its own port (so its own origin) serving one page that calls the gateway. */
  private static HttpServer site() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/page.html", exchange -> {
        byte[] page = ("<!doctype html><html><body><pre id=\"out\">pending</pre><script>\n"
            + "fetch('http://" + cluster.address() + "/api/add', {method: 'POST', headers: {'content-type': 'application/json'},"
            + " body: '[2, 3]'})\n"
            + "  .then(r => r.text().then(t => 'ok ' + r.status + ' ' + t + ' node=' + r.headers.get('x-easyremote-node')))\n"
            + "  .catch(e => 'refused ' + e.name)\n"
            + "  .then(s => { document.getElementById('out').textContent = s; });\n"
            + "</script></body></html>").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, page.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(page);
        }
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stopSites() {
    allowedSite.stop(0);
    otherSite.stop(0);
  }

  /** Loads the page in headless Chromium and returns the text the page's script wrote. */
  private static String browse(HttpServer site) throws Exception {
    String dom = Chromium.dumpDom(profiles, origin(site) + "/page.html", 5000);
    int start = dom.indexOf("<pre id=\"out\">");
    assertThat(start).as(dom).isNotNegative();
    return dom.substring(start + "<pre id=\"out\">".length(), dom.indexOf("</pre>", start));
  }

  @Test
  void pageOnAnAllowedOrigin_fetchesAFunction() throws Exception {
    assertThat(browse(allowedSite)).isEqualTo("ok 200 5 node=cors");
  }

  @Test
  void pageOnAnotherOrigin_isRefusedByTheBrowser() throws Exception {
    assertThat(browse(otherSite)).isEqualTo("refused TypeError");
  }

  @Test
  void preflight_allowedOrigin_answersWithItsHeaders_otherOriginGetsNone() throws Exception {
    HttpResponse<String> allowed = preflight(origin(allowedSite));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.headers().firstValue("access-control-allow-origin")).contains(origin(allowedSite));
    assertThat(allowed.headers().firstValue("access-control-allow-methods").orElse("")).contains("POST").contains("GET");
    assertThat(allowed.headers().firstValue("access-control-allow-headers").orElse("").toLowerCase()).contains("content-type")
        .contains("authorization");
    assertThat(allowed.headers().firstValue("access-control-allow-credentials")).isEmpty();
    HttpResponse<String> other = preflight(origin(otherSite));
    assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
  }

  private static HttpResponse<String> preflight(String origin) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + cluster.address() + "/api/add"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("origin", origin)
        .header("access-control-request-method", "POST").header("access-control-request-headers", "content-type,authorization").build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
