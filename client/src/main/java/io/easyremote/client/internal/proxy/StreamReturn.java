package io.easyremote.client.internal.proxy;

import io.easyremote.client.ResultStream;
import io.easyremote.client.internal.call.Invoker;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.stream.StreamSubscription;
import io.easyremote.protocol.RemoteException;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * {@code Stream<T>}, {@code Iterator<T>}, {@code ResultStream<T>}: opens the streaming call at
 * once. {@code Flow.Publisher<T>}: a cold publisher, opening its own call for each subscriber when
 * it subscribes. Arguments are checked and encoded when the method is called, in every case.
 */
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
    Supplier<ResultStream<?>> open = opener.prepare(function, reader, args);
    return switch (shape) {
      case STREAM -> open.get().stream();
      case ITERATOR -> open.get().iterator();
      case RESULT_STREAM -> open.get();
      case PUBLISHER -> publisher(open);
    };
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Flow.Publisher<Object> publisher(Supplier<ResultStream<?>> open) {
    return subscriber -> {
      if (subscriber == null) {
        throw new NullPointerException("subscriber");
      }
      ResultStream<?> items;
      try {
        items = open.get();
      } catch (RemoteException e) {
        StreamSubscription.reject(subscriber, e);
        return;
      }
      ((ResultStream) items).publisher().subscribe(subscriber);
    };
  }
}
