package io.easyremote.testing;

import io.easyremote.protocol.Remote;
import java.util.concurrent.atomic.AtomicInteger;

/** A node's {@code work(ms)} function, slowed by a factor, counting what it served. */
public final class Worker {
  private final double slowdown;
  private final boolean failing;
  final AtomicInteger served = new AtomicInteger();
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger maxRunning = new AtomicInteger();

  private Worker(double slowdown, boolean failing) {
    this.slowdown = slowdown;
    this.failing = failing;
  }

  /** A worker whose {@code work(ms)} takes {@code slowdown × ms}. */
  public static Worker slowedBy(double slowdown) {
    return new Worker(slowdown, false);
  }

  /** A worker whose {@code work} fails at once. */
  public static Worker failing() {
    return new Worker(1, true);
  }

  @Remote(idempotent = true)
  public int work(int millis) throws InterruptedException {
    served.incrementAndGet();
    if (failing) {
      throw new IllegalStateException("this node is broken");
    }
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      Thread.sleep(Math.round(millis * slowdown));
      return millis;
    } finally {
      running.decrementAndGet();
    }
  }

  @Remote
  public long burn(int millis) {
    long end = System.nanoTime() + millis * 1_000_000L;
    long x = 0;
    while (System.nanoTime() < end) {
      x += System.nanoTime() % 7;
    }
    return x;
  }
}
