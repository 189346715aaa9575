package io.easyremote.node.internal.exec;

import io.easyremote.protocol.wire.Invoke;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Map;

/**
 * The node's {@code execute <function>} span (SERVER), continuing the trace the gateway passed in
 * {@code Invoke.trace}, current while the function runs so its own spans nest under it.
 */
public final class NodeTracing {
  private static final TextMapGetter<Map<String, String>> TRACE = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private final Tracer tracer;

  public NodeTracing(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer("io.easyremote.node");
  }

  /** Runs {@code body} (one invocation) inside its span. */
  Runnable around(Invoke invoke, String nodeId, Runnable body) {
    return () -> {
      Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), invoke.getTraceMap(), TRACE);
      Span span = tracer.spanBuilder("execute " + invoke.getFunction()).setParent(parent).setSpanKind(SpanKind.SERVER)
          .setAttribute("easyremote.function", invoke.getFunction()).setAttribute("easyremote.node", nodeId)
          .setAttribute("easyremote.attempt", invoke.getAttempt()).startSpan();
      try (Scope scope = span.makeCurrent()) {
        body.run();
      } finally {
        span.end();
      }
    };
  }
}
