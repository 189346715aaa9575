package io.easyremote.client.internal.proxy;

import io.easyremote.client.ResultStream;
import io.easyremote.client.internal.call.Invoker;
import io.easyremote.client.internal.codec.ResultReader;

/** {@code Stream<T>}, {@code Iterator<T>}, {@code Flow.Publisher<T>} or {@code ResultStream<T>}: a streaming call. */
final class StreamReturn implements ReturnKind {
  /** The shape handed to the caller. */
  enum Shape { STREAM, ITERATOR, PUBLISHER, RESULT_STREAM }

  private final ResultReader<?> reader;
  private final Shape shape;
  private final StreamOpener opener;

  StreamReturn(ResultReader<?> reader, Shape shape, StreamOpener opener) {
    this.reader = reader;
    this.shape = shape;
    this.opener = opener;
  }

  @Override
  public Object invoke(Invoker invoker, String function, Object[] args) {
    ResultStream<?> items = opener.open(function, reader, args);
    return switch (shape) {
      case STREAM -> items.stream();
      case ITERATOR -> items.iterator();
      case PUBLISHER -> items.publisher();
      case RESULT_STREAM -> items;
    };
  }
}
