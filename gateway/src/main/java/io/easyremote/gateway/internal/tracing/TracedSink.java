package io.easyremote.gateway.internal.tracing;

import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.Map;

/** A front end's sink with the call's spans around it ({@link CallTracing}). Thread-safe. */
class TracedSink implements CallSink {
  private final CallSink delegate;
  private final Tracer tracer;
  private final String function;
  private final Span call;
  private final Span queue;
  private Span dispatch;
  private boolean queueEnded;

  TracedSink(CallSink delegate, Tracer tracer, String function, Span call, Span queue) {
    this.delegate = delegate;
    this.tracer = tracer;
    this.function = function;
    this.call = call;
    this.queue = queue;
  }

  @Override
  public synchronized Map<String, String> onDispatch(String nodeId, int attempt) {
    delegate.onDispatch(nodeId, attempt); // the delegate records the node; the trace context is ours
    endQueue();
    if (dispatch != null) {
      dispatch.setStatus(StatusCode.ERROR, "node lost; dispatched again").end(); // a re-dispatch after a lost node
    }
    dispatch = tracer.spanBuilder("dispatch " + function).setParent(Context.root().with(call)).setSpanKind(SpanKind.CLIENT)
        .setAttribute("easyremote.node", nodeId).setAttribute("easyremote.attempt", attempt).startSpan();
    call.setAttribute("easyremote.node", nodeId);
    Map<String, String> trace = new HashMap<>();
    W3CTraceContextPropagator.getInstance().inject(Context.root().with(dispatch), trace, (carrier, key, value) -> carrier.put(key, value));
    return trace;
  }

  @Override
  public void onResult(Payload payload, String nodeId) {
    finish(null);
    delegate.onResult(payload, nodeId);
  }

  @Override
  public void onError(Error error) {
    finish(error);
    delegate.onError(error);
  }

  /** Ends every span, with the error's code as the status description when the call failed. */
  final synchronized void finish(Error error) {
    endQueue();
    if (error != null) {
      String code = error.getCode().name();
      call.setAttribute("easyremote.error", code).setStatus(StatusCode.ERROR, code + ": " + error.getMessage());
      if (dispatch != null) {
        dispatch.setStatus(StatusCode.ERROR, code);
      }
    }
    if (dispatch != null) {
      dispatch.end();
    }
    call.end();
  }

  private void endQueue() {
    if (!queueEnded) {
      queueEnded = true;
      queue.end();
    }
  }

  CallSink delegate() {
    return delegate;
  }
}
