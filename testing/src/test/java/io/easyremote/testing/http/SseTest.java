package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Streaming functions over Server-Sent Events. */
class SseTest {
  private final SampleFunctions functions = new SampleFunctions("sse");

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder().node("sse", n -> n.register(functions)).build();

  private HttpResponse<java.io.InputStream> open(String path, String body) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + cluster.address() + path))
        .header("accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }

  /** Reads events until the stream ends: each as "name:data". */
  private static List<String> events(HttpResponse<java.io.InputStream> response) throws Exception {
    List<String> events = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String name = null;
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          events.add(name + ":" + line.substring(6));
        }
      }
    }
    return events;
  }

  @Test
  void count_arrivesAsFiveItemEventsThenEnd() throws Exception {
    HttpResponse<java.io.InputStream> response = open("/api/count", "[5, 50]");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    assertThat(events(response)).containsExactly("item:1", "item:2", "item:3", "item:4", "item:5", "end:{\"count\":5,\"nodeId\":\"sse\"}");
    assertThat(events(open("/api/count/stream", "{\"n\": 2, \"delayMs\": 0}"))).hasSize(3);
  }

  @Test
  void failingStream_endsWithAnErrorEventAfterItsItems() throws Exception {
    List<String> events = events(open("/api/breaksAfter", "[3]"));
    assertThat(events).hasSize(4).startsWith("item:1", "item:2", "item:3");
    assertThat(events.get(3)).startsWith("error:").contains("\"code\":\"FUNCTION_FAILED\"").contains("broken after 3");
  }

  @Test
  void closingTheConnectionEarly_cancelsTheProducerOnTheNode() throws Exception {
    HttpResponse<java.io.InputStream> response = open("/api/count", "[1000, 20]");
    BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    int items = 0;
    while (items < 3) {
      String line = in.readLine();
      if (line != null && line.startsWith("event: item")) {
        items++;
      }
    }
    in.close();
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(functions.streamsCancelled()).isEqualTo(1));
    int producedAtCancel = functions.produced();
    Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> functions.produced() == producedAtCancel);
    assertThat(producedAtCancel).isLessThan(100);
  }

  @Test
  void longStream_isNotCutByAnyRequestTimeout() throws Exception {
    long start = System.nanoTime();
    List<String> events = events(open("/api/count?timeout=1m", "[13, 1000]"));
    assertThat(events).hasSize(14).last().asString().startsWith("end:");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(12));
  }
}
