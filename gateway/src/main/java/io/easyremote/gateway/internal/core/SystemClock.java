package io.easyremote.gateway.internal.core;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The system's clock, with one daemon timer thread for deadlines and health checks. */
public final class SystemClock implements Clock, AutoCloseable {
  private final ScheduledThreadPoolExecutor timer;

  /** A clock whose timer thread has the given name. */
  public SystemClock(String threadName) {
    this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread t = Executors.defaultThreadFactory().newThread(runnable);
      t.setName(threadName);
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true); // cancelled deadlines of finished calls do not pile up
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
    ScheduledFuture<?> future = timer.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public Timer repeat(Runnable task, long periodNanos) {
    // With a fixed delay, runs missed while the process was stalled are not made up in a burst.
    ScheduledFuture<?> future = timer.scheduleWithFixedDelay(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  /** Stops the timer thread; pending tasks never run. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
