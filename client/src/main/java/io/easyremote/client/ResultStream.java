package io.easyremote.client;

import io.easyremote.client.internal.stream.StreamCall;
import io.easyremote.protocol.RemoteException;
import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The items of a streaming call, in order, as they arrive. Flow-controlled end to end: the node
 * produces only as far ahead as this consumer reads (a window of items). Closing it early cancels
 * the producer on its node. A stream that failed — the function threw, the node was lost, the
 * deadline passed — throws a {@link RemoteException} after the items that did arrive, so a
 * complete stream can always be told from a broken one.
 *
 * <pre>{@code
 * try (ResultStream<String> tokens = client.stream("tokens", String.class, "hello streaming world")) {
 *   for (String token : tokens) System.out.print(token + " ");
 * }
 * }</pre>
 *
 * <p>Read it from one thread at a time; it may be iterated once, through exactly one of
 * {@link #iterator()}, {@link #stream()} or {@link #publisher()}.
 *
 * @param <T> the item type
 */
public final class ResultStream<T> implements Iterable<T>, AutoCloseable {
  private final StreamCall<T> call;
  private final AtomicBoolean used = new AtomicBoolean();

  ResultStream(StreamCall<T> call) {
    this.call = call;
  }

  /**
   * The items; {@code hasNext()} blocks until the next one arrives or the stream ends.
   *
   * @throws IllegalStateException when the stream was already being read
   */
  @Override
  public Iterator<T> iterator() {
    claim();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return call.hasNext();
      }

      @Override
      public T next() {
        return call.next();
      }
    };
  }

  /** The items as a sequential {@link Stream}; closing it closes this stream. */
  public Stream<T> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(this::close);
  }

  /**
   * The items as a {@link Flow.Publisher} for one subscriber, honouring its demand: items are
   * read from the network only as the subscriber requests them.
   */
  public Flow.Publisher<T> publisher() {
    return subscriber -> new StreamSubscription<>(this, iterator(), subscriber).start();
  }

  /** The node serving the stream, once the first reply arrived; else null. */
  public String nodeId() {
    return call.nodeId();
  }

  /** Items read so far. */
  public long count() {
    return call.delivered();
  }

  /** Cancels the stream if it is still running. Idempotent. */
  @Override
  public void close() {
    call.close();
  }

  private void claim() {
    if (!used.compareAndSet(false, true)) {
      throw new IllegalStateException("A ResultStream can be read once");
    }
  }
}
