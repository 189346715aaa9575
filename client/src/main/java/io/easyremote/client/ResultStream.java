package io.easyremote.client;

import io.easyremote.client.internal.stream.StreamCall;
import io.easyremote.client.internal.stream.StreamSubscription;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The items of one streaming call, in order, as the node produces them; from
 * {@link Client#stream(String, Class, Object...)} or a proxy method returning one.
 *
 * <pre>{@code
 * try (ResultStream<String> tokens = client.stream("tokens", String.class, "hello streaming world")) {
 *   for (String token : tokens) {
 *     System.out.println(token);                 // breaking out early and closing cancels the producer
 *   }
 * }
 * try (Stream<Integer> numbers = client.stream("numbers", Integer.class, 1000).stream()) {
 *   int sum = numbers.mapToInt(Integer::intValue).sum();
 * }
 * }</pre>
 *
 * <p><b>Flow control.</b> The node never runs more than a window of items ahead of this reader:
 * at most {@link Client.Builder#streamWindow} items (default 1,024), fewer for large items, so
 * that they hold about {@link Client.Builder#streamWindowBytes} (default 4 MiB). At most that many
 * wait here, and the producer on the node blocks until the reader catches up. A slow reader slows
 * the producer, never fills memory.
 *
 * <p><b>Ends.</b> A stream either completes (iteration finishes) or fails: then the items that
 * arrived before the failure are delivered first, and the next {@code hasNext()}/{@code next()}
 * throws a {@link RemoteException} — a {@link RemoteFunctionException} when the function threw,
 * {@link ErrorCode#NODE_LOST} when its node disconnected, {@link ErrorCode#DEADLINE_EXCEEDED} when
 * the deadline (which covers the whole stream) passed, or the transport's failure with the number
 * of items that arrived ("broke after 17 items"). A stream is never silently cut short, so a
 * complete stream can always be told from a broken one.
 *
 * <p><b>Closing.</b> {@link #close()} before the end cancels the call, and the gateway stops the
 * producer on its node; afterwards iteration simply ends. Always close a stream you stop reading
 * early (try-with-resources); one read to its end or failure needs no close, but closing is
 * harmless. Interrupting a thread blocked waiting for an item cancels the stream and throws
 * {@link ErrorCode#CANCELLED}, keeping the interrupt flag.
 *
 * <p><b>Threads.</b> A stream can be consumed once, through exactly one of {@link #iterator()},
 * {@link #stream()} or {@link #publisher()}, by one thread at a time; {@link #close()},
 * {@link #count()} and {@link #nodeId()} may be called from any thread.
 *
 * @param <T> the item type
 */
public final class ResultStream<T> implements Iterable<T>, AutoCloseable {
  private final StreamCall<T> call;
  private final AtomicBoolean consumed = new AtomicBoolean();

  ResultStream(StreamCall<T> call) {
    this.call = call;
  }

  /**
   * The items. {@code hasNext()} blocks until the next item, the end or a failure arrives.
   *
   * @throws IllegalStateException when the stream is already being consumed
   */
  @Override
  public Iterator<T> iterator() {
    claim("iterator()");
    return new Iterator<>() {
      /**
       * @throws RemoteException when the stream failed (after every item that arrived before)
       */
      @Override
      public boolean hasNext() {
        return call.hasNext();
      }

      /**
       * @throws NoSuchElementException after the end
       * @throws RemoteException when the stream failed
       */
      @Override
      public T next() {
        return call.next();
      }
    };
  }

  /**
   * The items as a sequential, ordered {@link Stream}; closing it closes this stream. Failures
   * surface as {@link RemoteException}s from the terminal operation.
   *
   * @throws IllegalStateException when the stream is already being consumed
   */
  public Stream<T> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false)
        .onClose(this::close);
  }

  /**
   * The items as a {@link Flow.Publisher} for a single subscriber, which gets them as it requests
   * them: items are taken from the network only against its demand, so {@code request(n)} paces
   * the producer on the node. Signals come on the client's callback threads
   * ({@code easyremote-client-replies}, never its network thread, so a subscriber may block) or on
   * the thread calling {@code request}, never concurrently. A failure is {@code onError} with the
   * {@link RemoteException}; {@code cancel()} closes the stream. A second subscriber, or one after
   * the stream was consumed otherwise, gets {@code onError(IllegalStateException)}.
   *
   * <pre>{@code
   * client.stream("tokens", String.class, "hi").publisher().subscribe(mySubscriber);
   * }</pre>
   */
  public Flow.Publisher<T> publisher() {
    return subscriber -> {
      if (subscriber == null) {
        throw new NullPointerException("subscriber"); // Reactive Streams §1.9
      }
      if (!consumed.compareAndSet(false, true)) {
        StreamSubscription.reject(subscriber, new IllegalStateException(
            "The stream of '" + call.function() + "' is already being consumed; a ResultStream can be read once"));
        return;
      }
      StreamSubscription.subscribe(call, subscriber);
    };
  }

  /** The node serving the stream, once the gateway has said (with the first item or the end); else null. */
  public String nodeId() {
    return call.nodeId();
  }

  /** The number of items delivered to the reader so far. */
  public long count() {
    return call.delivered();
  }

  /**
   * Stops the stream: cancels the call if it has not ended (the gateway then cancels the producer
   * on its node) and drops buffered items; iteration ends. Idempotent; any thread.
   */
  @Override
  public void close() {
    call.close();
  }

  @Override
  public String toString() {
    return "ResultStream{function=" + call.function() + ", delivered=" + call.delivered()
        + (call.nodeId() == null ? "" : ", node=" + call.nodeId()) + "}";
  }

  private void claim(String how) {
    if (!consumed.compareAndSet(false, true)) {
      throw new IllegalStateException("The stream of '" + call.function() + "' is already being consumed; " + how
          + " cannot read it again: a ResultStream can be read once");
    }
  }
}
