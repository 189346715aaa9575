package io.easyremote.gateway.internal.core;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The system's clock. A one-shot task (every call's deadline) waits on a timer wheel that ticks
 * every {@value #TICK_MILLIS} ms until it is two ticks from due, then on a timer thread for the rest,
 * so it runs on time. Most calls end long before their deadline and cancel it while it is on the
 * wheel: a lock-free queue operation, where a {@code ScheduledThreadPoolExecutor} takes its queue's
 * lock and wakes its thread for every schedule and cancel. Repeating tasks (health checks) use the
 * timer thread.
 */
public final class SystemClock implements Clock, AutoCloseable {
  /** The timer wheel's tick. */
  private static final long TICK_MILLIS = 5;
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);

  private final HashedWheelTimer wheel;
  private final ScheduledThreadPoolExecutor timer;

  /** A clock whose timer threads are named after {@code threadName}. */
  public SystemClock(String threadName) {
    this.wheel = new HashedWheelTimer(daemon(threadName + "-wheel"), TICK_MILLIS, TimeUnit.MILLISECONDS, 512);
    this.timer = new ScheduledThreadPoolExecutor(1, daemon(threadName));
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
    if (delayNanos <= 2 * TICK_NANOS) {
      return scheduleOnTimerThread(task, delayNanos);
    }
    TwoStage twoStage = new TwoStage(task, System.nanoTime() + delayNanos);
    twoStage.onWheel = wheel.newTimeout(t -> twoStage.moveToTimerThread(), delayNanos - 2 * TICK_NANOS, TimeUnit.NANOSECONDS);
    return twoStage;
  }

  private Timer scheduleOnTimerThread(Runnable task, long delayNanos) {
    ScheduledFuture<?> future = timer.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
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

  /** A one-shot task on the wheel until two ticks before it is due, then on the timer thread. */
  final class TwoStage implements Timer {
    private final Runnable task;
    private final long dueNanos;
    private volatile boolean cancelled;
    private volatile Timeout onWheel;
    private volatile Timer moved;

    TwoStage(Runnable task, long dueNanos) {
      this.task = task;
      this.dueNanos = dueNanos;
    }

    /** Whether it has left the wheel for the timer thread. */
    boolean leftTheWheel() {
      return moved != null;
    }

    /** Called by the wheel (once); a second call does nothing. */
    synchronized void moveToTimerThread() {
      if (cancelled || moved != null) {
        return;
      }
      moved = scheduleOnTimerThread(() -> {
        if (!cancelled) {
          task.run();
        }
      }, dueNanos - System.nanoTime());
      if (cancelled) { // a cancel that came while it moved may not have seen it on the timer thread
        moved.cancel();
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      Timeout wheeled = onWheel;
      if (wheeled != null) {
        wheeled.cancel();
      }
      Timer onTimerThread = moved;
      if (onTimerThread != null) {
        onTimerThread.cancel();
      }
    }
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
