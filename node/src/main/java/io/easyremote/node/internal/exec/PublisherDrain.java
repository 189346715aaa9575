package io.easyremote.node.internal.exec;

import io.easyremote.node.Emitter;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Drains a {@link Flow.Publisher} on the calling thread, requesting one item at a time and only
 * after the previous one was sent, so the publisher never runs ahead of the caller's credits.
 */
final class PublisherDrain {
  private static final Object COMPLETE = new Object();

  private PublisherDrain() {}

  static void drain(Flow.Publisher<?> publisher, Emitter<Object> emitter) throws Throwable {
    LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    Flow.Subscription[] subscription = new Flow.Subscription[1];
    publisher.subscribe(new Flow.Subscriber<Object>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription[0] = s;
        signals.add(new Subscribed());
      }

      @Override
      public void onNext(Object item) {
        signals.add(new Item(item));
      }

      @Override
      public void onError(Throwable t) {
        signals.add(new Failed(t));
      }

      @Override
      public void onComplete() {
        signals.add(COMPLETE);
      }
    });
    try {
      while (true) {
        Object signal = signals.take();
        if (signal instanceof Subscribed) {
          subscription[0].request(1);
        } else if (signal instanceof Item item) {
          emitter.emit(item.value());
          subscription[0].request(1);
        } else if (signal instanceof Failed failed) {
          throw failed.error();
        } else if (signal == COMPLETE) {
          return;
        }
      }
    } catch (InterruptedException e) {
      if (subscription[0] != null) {
        subscription[0].cancel();
      }
      throw e;
    }
  }

  private record Subscribed() {}

  private record Item(Object value) {}

  private record Failed(Throwable error) {}
}
