package io.easyremote.gateway.internal.tracing;

import io.easyremote.gateway.internal.core.StreamSink;
import io.easyremote.protocol.wire.Payload;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;

/** {@link TracedSink} for a stream: items pass through; the spans end with the stream. */
final class TracedStreamSink extends TracedSink implements StreamSink {
  private final StreamSink stream;

  TracedStreamSink(StreamSink delegate, Tracer tracer, String function, Span call, Span queue) {
    super(delegate, tracer, function, call, queue);
    this.stream = delegate;
  }

  @Override
  public void onItem(Payload payload, String nodeId) {
    stream.onItem(payload, nodeId);
  }

  @Override
  public void onEnd(long count, String nodeId) {
    finish(null);
    stream.onEnd(count, nodeId);
  }
}
