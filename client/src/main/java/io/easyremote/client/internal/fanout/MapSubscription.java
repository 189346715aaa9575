package io.easyremote.client.internal.fanout;

import io.easyremote.client.MapRun.Item;
import io.easyremote.protocol.RemoteException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pushes a map's items, in input order, to one {@link Flow.Subscriber} as it requests them,
 * without a thread of its own: whichever thread makes progress possible (a completion on a gRPC
 * thread, or the subscriber's {@code request}) runs the delivery loop, one at a time, so signals
 * are serial (Reactive Streams §1.3) and {@code request} inside {@code onNext} does not recurse.
 *
 * @param <T> the result type
 */
final class MapSubscription<T> implements Flow.Subscription {
  private final MapEngine<T> engine;
  private final Flow.Subscriber<? super Item<T>> subscriber;
  private final AtomicLong demand = new AtomicLong();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean cancelled;
  private volatile Throwable badRequest;
  private boolean done;

  MapSubscription(MapEngine<T> engine, Flow.Subscriber<? super Item<T>> subscriber) {
    this.engine = engine;
    this.subscriber = subscriber;
  }

  /** Refuses {@code subscriber} with {@code error} (§1.9: onSubscribe, then onError). */
  static void reject(Flow.Subscriber<?> subscriber, Throwable error) {
    subscriber.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {}

      @Override
      public void cancel() {}
    });
    subscriber.onError(error);
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      badRequest = new IllegalArgumentException("request(" + n + "): demand must be positive (Reactive Streams §3.9)");
    } else {
      demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
    }
    drain();
  }

  @Override
  public void cancel() {
    cancelled = true;
    engine.cancel();
  }

  void drain() {
    if (wip.getAndIncrement() != 0) {
      return; // the thread in the loop goes round again
    }
    int missed = 1;
    do {
      deliver();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void deliver() {
    while (!done) {
      if (cancelled) {
        done = true;
        return;
      }
      Throwable bad = badRequest;
      if (bad != null) {
        terminate(bad);
        return;
      }
      Object next = engine.poll(demand.get() > 0);
      if (next == null) {
        return;
      }
      if (MapEngine.isEnd(next)) {
        done = true;
        try {
          subscriber.onComplete();
        } catch (RuntimeException ignored) {
          // §2.13: the map is over either way
        }
        return;
      }
      if (next instanceof RemoteException e) {
        terminate(e);
        return;
      }
      if (demand.get() == 0) {
        return; // an item waits for demand
      }
      demand.decrementAndGet();
      @SuppressWarnings("unchecked")
      Item<T> item = (Item<T>) next;
      try {
        subscriber.onNext(item);
      } catch (RuntimeException e) {
        terminate(e); // §2.13: a subscriber that throws is treated as cancelled
        return;
      }
    }
  }

  private void terminate(Throwable error) {
    boolean byItself = cancelled;
    done = true;
    cancelled = true;
    engine.cancel();
    if (byItself) {
      return;
    }
    try {
      subscriber.onError(error);
    } catch (RuntimeException ignored) {
      // §2.13
    }
  }
}
