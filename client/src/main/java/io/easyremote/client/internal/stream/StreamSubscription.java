package io.easyremote.client.internal.stream;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pushes a {@link StreamCall}'s items to one {@link Flow.Subscriber} as it requests them, without
 * a thread of its own: whichever thread makes progress possible (an item or the end arriving, signalled
 * on a {@code ClientCallbacks} thread, or the subscriber's {@code request}) runs the delivery loop, and only one runs it
 * at a time, so signals are serial (Reactive Streams §1.3) and a {@code request} from inside
 * {@code onNext} does not recurse (§3.3). Items are taken from the call only against demand, so
 * credits, and hence the producer, follow the subscriber's {@code request(n)}.
 *
 * @param <T> the item type
 */
public final class StreamSubscription<T> implements Flow.Subscription {
  private final StreamCall<T> call;
  private final Flow.Subscriber<? super T> subscriber;
  private final AtomicLong demand = new AtomicLong();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean cancelled;
  private volatile Throwable badRequest;
  private boolean done;

  private StreamSubscription(StreamCall<T> call, Flow.Subscriber<? super T> subscriber) {
    this.call = call;
    this.subscriber = subscriber;
  }

  /** Subscribes {@code subscriber} to {@code call}'s items: {@code onSubscribe} first, then items as requested. */
  public static <T> void subscribe(StreamCall<T> call, Flow.Subscriber<? super T> subscriber) {
    StreamSubscription<T> subscription = new StreamSubscription<>(call, subscriber);
    subscriber.onSubscribe(subscription);
    call.onSignal(subscription::drain);
  }

  /** Refuses {@code subscriber} with {@code error} (Reactive Streams §1.9: onSubscribe, then onError). */
  public static void reject(Flow.Subscriber<?> subscriber, Throwable error) {
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
    call.close();
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return; // the thread in the loop will go round again
    }
    int missed = 1;
    do {
      deliver();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  /** Delivers what demand and the buffer allow, then the end if it is reached. Only ever one thread here. */
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
      if (!call.ready()) {
        return;
      }
      boolean more;
      try {
        more = call.hasNext();
      } catch (RemoteException e) {
        terminate(e);
        return;
      }
      if (!more) {
        if (call.closedBeforeEnd()) {
          terminate(new RemoteException(ErrorCode.CANCELLED, "The stream of '" + call.function()
              + "' was closed after " + StreamCall.items(call.delivered()) + ", before its end.", true, 0, call.nodeId(), null));
          return;
        }
        done = true;
        try {
          subscriber.onComplete();
        } catch (RuntimeException ignored) {
          // §2.13: the stream is over either way
        }
        return;
      }
      if (demand.get() == 0) {
        return;
      }
      T item;
      try {
        item = call.next();
      } catch (RemoteException e) {
        terminate(e);
        return;
      }
      demand.decrementAndGet();
      try {
        subscriber.onNext(item);
      } catch (RuntimeException e) {
        terminate(e); // §2.13: a subscriber that throws is treated as cancelled; it hears why
        return;
      }
    }
  }

  private void terminate(Throwable error) {
    boolean cancelledBySubscriber = cancelled;
    done = true;
    cancelled = true;
    call.close();
    if (cancelledBySubscriber) {
      return;
    }
    try {
      subscriber.onError(error);
    } catch (RuntimeException ignored) {
      // §2.13: nothing more can be done for a subscriber that throws from onError
    }
  }
}
