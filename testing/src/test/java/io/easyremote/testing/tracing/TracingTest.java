package io.easyremote.testing.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.client.ResultStream;
import io.easyremote.testing.Http1;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One trace across client, gateway and node, recorded by the OpenTelemetry SDK's in-memory
 * exporter: the client's call span, the gateway's call, queue-wait and dispatch spans, and the
 * node's execution span, joined by W3C trace context over gRPC metadata, HTTP headers and
 * {@code Invoke.trace}.
 */
class TracingTest {
  private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private static final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.openTelemetry(sdk))
      .node("traced", n -> n.register(new SampleFunctions("traced")).openTelemetry(sdk))
      .build();

  @AfterAll
  static void closeSdk() {
    sdk.close();
  }

  @BeforeEach
  void forget() {
    spans.reset();
  }

  private static Map<String, SpanData> byName(String traceId, int expected) {
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).count() >= expected);
    return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId))
        .collect(Collectors.toMap(SpanData::getName, Function.identity(), (a, b) -> a));
  }

  @Test
  void javaClientCall_oneTrace_clientGatewayQueueDispatchAndNode() throws Exception {
    Tracer tracer = sdk.getTracer("test");
    Span checkout = tracer.spanBuilder("checkout").startSpan();
    try (Client client = Client.builder().gateway(cluster.address()).openTelemetry(sdk).build();
         Scope scope = checkout.makeCurrent()) {
      assertThat(client.call("add", Integer.class, 2, 3)).isEqualTo(5);
    } finally {
      checkout.end();
    }
    String trace = checkout.getSpanContext().getTraceId();
    Map<String, SpanData> s = byName(trace, 6);
    assertThat(s).containsKeys("checkout", "call add", "gateway add", "queue add", "dispatch add", "execute add");
    assertThat(s.get("call add").getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(s.get("call add").getParentSpanId()).isEqualTo(s.get("checkout").getSpanId());
    assertThat(s.get("gateway add").getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(s.get("gateway add").getParentSpanId()).isEqualTo(s.get("call add").getSpanId());
    assertThat(s.get("queue add").getParentSpanId()).isEqualTo(s.get("gateway add").getSpanId());
    assertThat(s.get("dispatch add").getParentSpanId()).isEqualTo(s.get("gateway add").getSpanId());
    assertThat(s.get("dispatch add").getAttributes().asMap().toString()).contains("traced");
    assertThat(s.get("execute add").getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(s.get("execute add").getParentSpanId()).isEqualTo(s.get("dispatch add").getSpanId());
    // Nested in time as in the tree: the node ran while the gateway waited, within the client's call.
    assertThat(s.get("execute add").getStartEpochNanos()).isGreaterThanOrEqualTo(s.get("dispatch add").getStartEpochNanos());
    assertThat(s.get("gateway add").getEndEpochNanos()).isLessThanOrEqualTo(s.get("call add").getEndEpochNanos());
  }

  @Test
  void stream_andAFailure_areTracedToo() throws Exception {
    Tracer tracer = sdk.getTracer("test");
    Span parent = tracer.spanBuilder("job").startSpan();
    try (Client client = Client.builder().gateway(cluster.address()).openTelemetry(sdk).build();
         Scope scope = parent.makeCurrent()) {
      try (ResultStream<Integer> items = client.stream("numbers", Integer.class, 5)) {
        assertThat(items.stream().toList()).hasSize(5);
      }
      try {
        client.call("fail", String.class, "boom");
      } catch (RuntimeException expected) {
        // traced as an error below
      }
    } finally {
      parent.end();
    }
    Map<String, SpanData> s = byName(parent.getSpanContext().getTraceId(), 9);
    assertThat(s).containsKeys("call numbers", "gateway numbers", "execute numbers", "call fail", "gateway fail", "execute fail");
    assertThat(s.get("gateway fail").getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
    assertThat(s.get("gateway fail").getStatus().getDescription()).startsWith("FUNCTION_FAILED");
  }

  @Test
  void httpCall_withTraceparent_joinsTheCallersTrace() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parentId = "00f067aa0ba902b7";
    HttpResponse<String> response = Http1.CLIENT.send(HttpRequest.newBuilder(
        URI.create("http://" + cluster.address() + "/api/add")).header("traceparent", "00-" + traceId + "-" + parentId + "-01")
        .POST(HttpRequest.BodyPublishers.ofString("[1, 2]")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.body()).isEqualTo("3");
    Map<String, SpanData> s = byName(traceId, 4);
    assertThat(s.get("gateway add").getParentSpanId()).isEqualTo(parentId);
    assertThat(s.get("gateway add").getAttributes().asMap().toString()).contains("http");
    assertThat(s.get("execute add").getParentSpanId()).isEqualTo(s.get("dispatch add").getSpanId());
  }

  @Test
  void noTracingConfigured_gatewayStillPassesTheCallersTraceToTheNode() throws Exception {
    // A gateway with no OpenTelemetry of its own: the node (which traces) still joins the caller's trace.
    try (TestCluster plain = TestCluster.builder()
        .node("plain", n -> n.register(new SampleFunctions("plain")).openTelemetry(sdk)).build().start()) {
      String traceId = "0af7651916cd43dd8448eb211c80319c";
      Http1.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + plain.address() + "/api/add"))
          .header("traceparent", "00-" + traceId + "-b7ad6b7169203331-01").POST(HttpRequest.BodyPublishers.ofString("[1, 1]")).build(),
          HttpResponse.BodyHandlers.ofString());
      List<SpanData> trace = List.copyOf(byName(traceId, 1).values());
      assertThat(trace).extracting(SpanData::getName).containsExactly("execute add");
    }
  }
}
