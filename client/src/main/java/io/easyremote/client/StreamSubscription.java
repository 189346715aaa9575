package io.easyremote.client;

import java.util.Iterator;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Feeds a {@link Flow.Subscriber} from a {@link ResultStream} on a daemon thread, as fast as it requests. */
final class StreamSubscription<T> implements Flow.Subscription {
  private final ResultStream<T> source;
  private final Iterator<T> items;
  private final Flow.Subscriber<? super T> subscriber;
  private final AtomicLong demand = new AtomicLong();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final Object signal = new Object();

  StreamSubscription(ResultStream<T> source, Iterator<T> items, Flow.Subscriber<? super T> subscriber) {
    this.source = source;
    this.items = items;
    this.subscriber = subscriber;
  }

  void start() {
    subscriber.onSubscribe(this);
    Thread pump = new Thread(this::pump, "easyremote-stream-publisher");
    pump.setDaemon(true);
    pump.start();
  }

  private void pump() {
    try {
      while (!cancelled.get()) {
        synchronized (signal) {
          while (demand.get() == 0 && !cancelled.get()) {
            signal.wait();
          }
        }
        if (cancelled.get()) {
          return;
        }
        if (!items.hasNext()) {
          subscriber.onComplete();
          return;
        }
        demand.decrementAndGet();
        subscriber.onNext(items.next());
      }
    } catch (InterruptedException e) {
      source.close();
    } catch (RuntimeException e) {
      subscriber.onError(e);
    }
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      cancel();
      subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)"));
      return;
    }
    demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  @Override
  public void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      source.close();
      synchronized (signal) {
        signal.notifyAll();
      }
    }
  }
}
