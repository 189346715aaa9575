package io.easyremote.gateway.internal.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

/** The gateway's own OpenTelemetry SDK when an OTLP endpoint is configured: spans batched and sent over OTLP/HTTP. */
public final class GatewayTelemetry {
  private GatewayTelemetry() {}

  /**
   * An SDK exporting to {@code endpoint} ({@code http://collector:4318/v1/traces}) as service
   * {@code easyremote-gateway}. Close it to flush.
   */
  public static OpenTelemetrySdk otlp(String endpoint) {
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.builder().put("service.name", "easyremote-gateway").build()));
    SdkTracerProvider tracing = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build()).build())
        .build();
    return OpenTelemetrySdk.builder().setTracerProvider(tracing).build();
  }

  /** Nothing recorded; trace context still passes from callers to nodes. */
  public static OpenTelemetry off() {
    return OpenTelemetry.noop();
  }
}
