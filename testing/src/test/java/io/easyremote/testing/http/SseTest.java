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
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Streaming functions over Server-Sent Events: order, end and error events, cancellation, backpressure, no timeout cut. */
class SseTest {
  private static final SampleFunctions functions = new SampleFunctions("sse");

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder().node("sse", n -> n.register(functions)).build();

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
    int cancelledBefore = functions.streamsCancelled();
    int producedBefore = functions.produced();
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
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(functions.streamsCancelled()).isEqualTo(cancelledBefore + 1));
    int producedAtCancel = functions.produced();
    Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> functions.produced() == producedAtCancel);
    assertThat(producedAtCancel - producedBefore).isLessThan(100);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 0);
  }

  @Test
  void longStream_isNotCutByAnyRequestTimeout() throws Exception {
    // 13 items a second apart, with the gateway's defaults: Armeria's own 10 s request timeout must not cut it.
    long start = System.nanoTime();
    List<String> events = events(open("/api/count", "[13, 1000]"));
    assertThat(events).hasSize(14).last().asString().startsWith("end:{\"count\":13");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(12));
  }

  @Test
  void plainFunctionAsEventStream_yieldsOneItemThenEnd() throws Exception {
    assertThat(events(open("/api/add", "[2, 3]"))).containsExactly("item:5", "end:{\"count\":1,\"nodeId\":\"sse\"}");
    assertThat(events(open("/api/nodes/sse/points/stream", "[2]")))
        .containsExactly("item:[{\"x\":0,\"y\":0},{\"x\":1,\"y\":1}]", "end:{\"count\":1,\"nodeId\":\"sse\"}");
  }

  @Test
  void streamErrorsBeforeAnyItem_areHttpErrorsWithTheirStatus_notEventStreams() throws Exception {
    HttpResponse<java.io.InputStream> badArguments = open("/api/count", "[\"three\"]");
    assertThat(badArguments.statusCode()).isEqualTo(400);
    assertThat(badArguments.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    assertThat(new String(badArguments.body().readAllBytes(), StandardCharsets.UTF_8)).contains("\"code\":\"INVALID_ARGUMENTS\"");
    for (String path : List.of("/api/nope/stream", "/api/nodes/sse/nope/stream")) {
      HttpResponse<java.io.InputStream> unknown = open(path, "[]");
      String body = new String(unknown.body().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(unknown.statusCode()).as(path + " " + body).isEqualTo(404);
      assertThat(body).contains("\"code\":\"FUNCTION_NOT_FOUND\"");
    }
  }

  @Test
  void getWithQueryArguments_streamsLikeEventSource() throws Exception {
    HttpResponse<java.io.InputStream> response = Http.CLIENT.send(HttpRequest.newBuilder(
        URI.create("http://" + cluster.address() + "/api/count/stream?n=3&delayMs=0")).header("accept", "text/event-stream").GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(events(response)).containsExactly("item:1", "item:2", "item:3", "end:{\"count\":3,\"nodeId\":\"sse\"}");
  }

  @Test
  void aClientThatStopsReading_stopsTheProducer_andTheGatewayBufferStaysBounded() throws Exception {
    int producedBefore = functions.produced();
    HttpResponse<java.io.InputStream> response = open("/api/firehose", "[]");
    BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    for (int items = 0; items < 10; ) {
      if (in.readLine().startsWith("event: item")) {
        items++;
      }
    }
    // Stop reading. Once the socket buffers fill, the node must stop producing: no more credits reach it.
    AtomicInteger last = new AtomicInteger(-1);
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
        .until(() -> last.getAndSet(functions.produced()) == functions.produced());
    int stalledAt = functions.produced();
    Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> functions.produced() == stalledAt);
    assertThat(cluster.gateway().bufferedStreamItems()).isLessThanOrEqualTo(128);
    // 1 KiB items: what a stalled stream holds is the window plus the loopback socket buffers, never more.
    assertThat(stalledAt - producedBefore).isLessThan(40_000);
    in.close();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().bufferedStreamItems() == 0);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 0);
  }
}
