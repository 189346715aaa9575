package io.easyremote.gateway.internal.core;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The system's clock. One-shot tasks (every call's deadline) go on a timer wheel that ticks every
 * {@value #TICK_MILLIS} ms: scheduling and cancelling one is a lock-free queue operation, where a
 * {@code ScheduledThreadPoolExecutor} takes its queue's lock for both and wakes its thread. A
 * deadline then fires up to one tick late. Repeating tasks (health checks) keep a timer thread of
 * their own.
 */
public final class SystemClock implements Clock, AutoCloseable {
  /** The timer wheel's tick: how late a one-shot task may run. */
  static final long TICK_MILLIS = 5;

  private final HashedWheelTimer wheel;
  private final ScheduledThreadPoolExecutor timer;

  /** A clock whose timer threads are named after {@code threadName}. */
  public SystemClock(String threadName) {
    this.wheel = new HashedWheelTimer(daemon(threadName), TICK_MILLIS, TimeUnit.MILLISECONDS, 512);
    this.timer = new ScheduledThreadPoolExecutor(1, daemon(threadName + "-repeat"));
    this.timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long millis() {
    return System.currentTimeMillis();
  }

  @Override
  public Timer schedule(Runnable task, long delayNanos) {
    Timeout timeout = wheel.newTimeout(t -> task.run(), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return timeout::cancel;
  }

  @Override
  public Timer repeat(Runnable task, long periodNanos) {
    // With a fixed delay, runs missed while the process was stalled are not made up in a burst.
    ScheduledFuture<?> future = timer.scheduleWithFixedDelay(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  /** Stops the timer threads; pending tasks never run. */
  @Override
  public void close() {
    wheel.stop();
    timer.shutdownNow();
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread t = Executors.defaultThreadFactory().newThread(runnable);
      t.setName(name);
      t.setDaemon(true);
      return t;
    };
  }
}
