package io.easyremote.client.internal.transport;

import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.StreamRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;

/**
 * A CLIENT span per RPC ({@code call <function>} for calls and streams, the gRPC method
 * otherwise), child of the caller's current span, and the W3C {@code traceparent} in the
 * request's metadata so the gateway and the node continue the trace. With the no-op API nothing
 * is recorded, but a current span of the application's own still propagates.
 */
final class TracingInterceptor implements ClientInterceptor {
  private final Tracer tracer;

  TracingInterceptor(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer("io.easyremote.client");
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method == io.easyremote.protocol.wire.GatewayGrpc.getCallChannelMethod()) {
      return next.newCall(method, options); // its calls get their own spans (CallChannel), the stream none
    }
    Span span = tracer.spanBuilder(method.getFullMethodName()).setSpanKind(SpanKind.CLIENT).setParent(Context.current())
        .setAttribute("rpc.system", "grpc").setAttribute("rpc.method", method.getFullMethodName()).startSpan();
    Context context = Context.current().with(span);
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        W3CTraceContextPropagator.getInstance().inject(context, headers,
            (carrier, key, value) -> carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value));
        super.start(new SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            if (!status.isOk()) {
              span.setStatus(StatusCode.ERROR, status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()));
            }
            span.end();
            super.onClose(status, trailers);
          }
        }, headers);
      }

      @Override
      public void sendMessage(Q message) {
        CallRequest call = message instanceof CallRequest c ? c
            : message instanceof StreamRequest s && s.hasCall() ? s.getCall() : null;
        if (call != null) {
          span.updateName("call " + call.getFunction());
          span.setAttribute("easyremote.function", call.getFunction());
        }
        super.sendMessage(message);
      }
    };
  }
}
