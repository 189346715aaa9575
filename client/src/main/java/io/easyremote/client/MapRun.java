package io.easyremote.client;

import io.easyremote.client.internal.fanout.MapEngine;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One running {@link Client#map(String, Class, Iterable, FanOut) map}: a function called once per
 * argument list, spread over every node that offers it, with its results in input order as they
 * complete.
 *
 * <pre>{@code
 * List<List<?>> inputs = IntStream.range(0, 10_000).mapToObj(i -> List.<Object>of(i)).toList();
 * try (MapRun<Integer> run = client.map("square", Integer.class, inputs)) {
 *   for (MapRun.Item<Integer> item : run) {            // in input order, each as soon as it and those before it are done
 *     if (item.ok()) use(item.value()); else log(item.index(), item.args(), item.error());
 *   }
 * }
 * List<Integer> all = client.map("square", Integer.class, inputs).values();   // or wait for all (throws if any failed)
 * }</pre>
 *
 * <p><b>How it runs.</b> Each item is an ordinary call: it has the client's deadline, options and
 * credentials, the gateway balances and queues it like any other. The map keeps at most
 * {@link FanOut#window()} items in flight and runs at most a few windows ahead of its reader
 * (results wait in order for the reader, so a map nobody reads pauses rather than filling memory).
 * Inputs are taken from the {@link Iterable} lazily, on the map's own thread, as the window allows.
 *
 * <p><b>Failures.</b> Items are retried by {@link FanOut#retry()}; an item that still fails is an
 * {@link Item} whose {@link Item#error()} says why, and the map goes on ({@link #errors()} lists
 * them with their inputs). With {@link FanOut#failFast()}, or when the failure would hit every item
 * ({@link ErrorCode#FUNCTION_NOT_FOUND}, {@link ErrorCode#UNAUTHENTICATED},
 * {@link ErrorCode#PERMISSION_DENIED}, or {@link ErrorCode#CANCELLED} when the client is closed),
 * the map stops instead: calls in flight are cancelled and
 * reading on throws a {@link RemoteException} naming the item.
 *
 * <p><b>Reading.</b> Read the results once, through exactly one of {@link #iterator()},
 * {@link #stream()}, {@link #publisher()} or {@link #values()}, from one thread at a time.
 * {@link #progress()}, {@link #errors()}, {@link #cancel()} and {@link #close()} may be called from
 * any thread, at any time. {@link #cancel()} (or {@link #close()} before the end) stops the map:
 * calls in flight are cancelled on their nodes and iteration ends.
 *
 * @param <T> the result type
 */
public final class MapRun<T> implements Iterable<MapRun.Item<T>>, AutoCloseable {
  private final MapEngine<T> engine;

  MapRun(MapEngine<T> engine) {
    this.engine = engine;
  }

  /**
   * The items in input order. {@code hasNext()} blocks until the next item is done, the map ends,
   * or it stops on a failure; interrupting the waiting thread cancels the map and throws
   * {@link ErrorCode#CANCELLED}.
   *
   * @throws IllegalStateException when the results are already being read
   */
  @Override
  public Iterator<Item<T>> iterator() {
    return engine.iterator();
  }

  /**
   * The items in input order as a sequential {@link Stream}; closing it cancels the map if it has
   * not ended.
   *
   * @throws IllegalStateException when the results are already being read
   */
  public Stream<Item<T>> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(this::close);
  }

  /**
   * The items in input order as a {@link Flow.Publisher} for one subscriber, which gets them as it
   * requests them (a subscriber that requests nothing pauses the map once it is a few windows
   * ahead). Signals come on gRPC threads or the thread calling {@code request}, never
   * concurrently. A map stopped by a failure ends with {@code onError}; {@code cancel()} cancels
   * the map. A second subscriber gets {@code onError(IllegalStateException)}.
   */
  public Flow.Publisher<Item<T>> publisher() {
    return engine::subscribe;
  }

  /**
   * Waits for every item and returns their values in input order.
   *
   * @throws RemoteException when an item failed: its code, a message naming the failed items and
   *     their inputs (the first ten), the first failure as the cause; or the map's own stop
   * @throws IllegalStateException when the results are already being read
   */
  public List<T> values() {
    List<T> values = new ArrayList<>();
    List<Item<T>> failed = new ArrayList<>();
    for (Item<T> item : this) {
      if (item.ok()) {
        values.add(item.value());
      } else {
        failed.add(item);
      }
    }
    if (!failed.isEmpty()) {
      throw MapEngine.report(engine.function(), failed, values.size() + failed.size());
    }
    return values;
  }

  /** The items that failed so far, in input order, each with its arguments and error. */
  public List<Item<T>> errors() {
    return engine.errors();
  }

  /** What the map has done so far. */
  public Progress progress() {
    return engine.progress();
  }

  /** The function this map calls. */
  public String function() {
    return engine.function();
  }

  /**
   * Stops the map: no more items are sent, those in flight are cancelled on their nodes, results
   * not yet read are dropped and iteration ends. Idempotent; any thread.
   */
  public void cancel() {
    engine.cancel();
  }

  /** Cancels the map unless it has already ended; see {@link #cancel()}. */
  @Override
  public void close() {
    engine.cancel();
  }

  @Override
  public String toString() {
    return "MapRun{function=" + engine.function() + ", " + engine.progress() + "}";
  }

  /**
   * One item of a map: its position and arguments, and either its value or its error.
   *
   * @param index the position of its arguments in the inputs, from 0
   * @param args its arguments, as given
   * @param value the result when it succeeded (which may be null), else null
   * @param error why it failed after its retries, or null when it succeeded
   * @param nodeId the node that served it (or that its error names), or null when not known
   * @param latency from sending its call to its outcome, retries included
   * @param <T> the result type
   */
  public record Item<T>(long index, List<?> args, T value, RemoteException error, String nodeId, Duration latency) {
    /** Checks the index and latency. */
    public Item {
      if (index < 0) {
        throw new IllegalArgumentException("index must be >= 0: " + index);
      }
      Objects.requireNonNull(latency, "latency");
    }

    /** Whether it succeeded. */
    public boolean ok() {
      return error == null;
    }
  }

  /**
   * A snapshot of a map's progress.
   *
   * @param total the number of inputs, or -1 until known (an {@link Iterable} that is not a
   *     {@link java.util.Collection} is counted as it is read)
   * @param succeeded items done with a value
   * @param failed items that failed for good
   * @param inFlight calls running or waiting for their retry now
   * @param elapsed since the map started
   * @param itemsPerSecond items finished per second over the last few seconds
   * @param perNode items each node finished, by node id
   * @param perNodeRate items per second each node finished over the last few seconds, by node id
   * @param eta the time left at the current rate, or null when it cannot be told yet
   * @param state whether it runs or how it ended
   */
  public record Progress(long total, long succeeded, long failed, int inFlight, Duration elapsed, double itemsPerSecond,
      Map<String, Long> perNode, Map<String, Double> perNodeRate, Duration eta, State state) {
    /** Copies the maps, keeping their order (node ids in name order). */
    public Progress {
      perNode = Collections.unmodifiableMap(new LinkedHashMap<>(perNode));
      perNodeRate = Collections.unmodifiableMap(new LinkedHashMap<>(perNodeRate));
    }

    /** Items finished either way. */
    public long completed() {
      return succeeded + failed;
    }

    /** Whether the map has ended (done, stopped by a failure or cancelled). */
    public boolean finished() {
      return state != State.RUNNING;
    }
  }

  /** Where a map stands. */
  public enum State {
    /** Items are still being sent or awaited. */
    RUNNING,
    /** Every item finished (some may have failed; see {@link MapRun#errors()}). */
    DONE,
    /** Stopped by a failure: fail-fast, or one that would hit every item. */
    FAILED,
    /** Stopped by {@link MapRun#cancel()}. */
    CANCELLED
  }
}
