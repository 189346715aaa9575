package io.easyremote.gateway.internal.tracing;

import com.linecorp.armeria.common.RequestHeaders;
import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.gateway.internal.core.StreamSink;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenTelemetry spans for calls through the gateway. A call that arrives with a W3C
 * {@code traceparent} (gRPC metadata or HTTP header) joins that trace; the gateway records
 *
 * <ul>
 *   <li>{@code gateway <function>} (SERVER): from arrival to the answer,
 *   <li>{@code queue <function>}: from arrival until a node takes it,
 *   <li>{@code dispatch <function>} (CLIENT): from the Invoke to the node's answer, one per attempt,
 * </ul>
 *
 * <p>and passes the dispatch span's context to the node in {@code Invoke.trace}, where the node's
 * {@code execute <function>} span continues the trace. With {@link OpenTelemetry#noop()} (the
 * default) nothing is recorded, but a caller's trace context still reaches the node; a call that
 * brings none then runs with its sink unwrapped.
 */
public final class CallTracing {
  private static final TextMapGetter<RequestHeaders> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(RequestHeaders carrier) {
      List<String> names = new ArrayList<>();
      carrier.names().forEach(name -> names.add(name.toString()));
      return names;
    }

    @Override
    public String get(RequestHeaders carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private static final TextMapGetter<java.util.Map<String, String>> MAP = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(java.util.Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(java.util.Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private final Tracer tracer;

  public CallTracing(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer("io.easyremote.gateway");
  }

  /**
   * Starts the spans of a call arriving now and returns {@code sink} wrapped to record its dispatch
   * and end them with its outcome (a {@link StreamSink} stays one); {@code sink} itself when nothing
   * would be recorded or passed on.
   *
   * @param frontEnd {@code grpc} or {@code http}, recorded as an attribute
   */
  public CallSink trace(CallSink sink, String function, RequestHeaders headers, String frontEnd) {
    return trace(sink, function, W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS), frontEnd);
  }

  /** As above, for a call whose trace context travels in a map (a call on a call channel). */
  public CallSink trace(CallSink sink, String function, java.util.Map<String, String> traceContext, String frontEnd) {
    return trace(sink, function, W3CTraceContextPropagator.getInstance().extract(Context.root(), traceContext, MAP), frontEnd);
  }

  private CallSink trace(CallSink sink, String function, Context parent, String frontEnd) {
    Span call = tracer.spanBuilder("gateway " + function).setParent(parent).setSpanKind(SpanKind.SERVER)
        .setAttribute("easyremote.function", function).setAttribute("easyremote.front_end", frontEnd).startSpan();
    if (!call.isRecording() && !call.getSpanContext().isValid()) {
      return sink; // no tracer records it and no trace to pass on (OpenTelemetry.noop(), no traceparent): nothing to wrap
    }
    Span queue = tracer.spanBuilder("queue " + function).setParent(Context.root().with(call)).startSpan();
    return sink instanceof StreamSink stream
        ? new TracedStreamSink(stream, tracer, function, call, queue)
        : new TracedSink(sink, tracer, function, call, queue);
  }
}
