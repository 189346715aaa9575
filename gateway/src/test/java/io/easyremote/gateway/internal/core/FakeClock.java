package io.easyremote.gateway.internal.core;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A clock that moves only when a test says so, running the tasks that fall due in time order on
 * the test's thread (grpc-java's {@code FakeClock} is the model). Not thread-safe: one test
 * thread drives it.
 */
final class FakeClock implements Clock {
  private static final long EPOCH_MILLIS = 1_800_000_000_000L;

  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long nanos = 1_000_000_000L;
  private long sequence;

  private final class Task implements Comparable<Task>, Clock.Timer {
    final Runnable body;
    final long periodNanos;
    final long order = sequence++;
    long dueNanos;
    boolean cancelled;

    Task(Runnable body, long dueNanos, long periodNanos) {
      this.body = body;
      this.dueNanos = dueNanos;
      this.periodNanos = periodNanos;
    }

    @Override
    public int compareTo(Task other) {
      int byTime = Long.compare(dueNanos, other.dueNanos);
      return byTime != 0 ? byTime : Long.compare(order, other.order);
    }

    @Override
    public void cancel() {
      cancelled = true;
      tasks.remove(this);
    }
  }

  @Override
  public long nanoTime() {
    return nanos;
  }

  @Override
  public long millis() {
    return EPOCH_MILLIS + nanos / 1_000_000;
  }

  @Override
  public Timer schedule(Runnable task, long delayNanos) {
    Task t = new Task(task, nanos + Math.max(0, delayNanos), 0);
    tasks.add(t);
    return t;
  }

  @Override
  public Timer repeat(Runnable task, long periodNanos) {
    Task t = new Task(task, nanos + periodNanos, periodNanos);
    tasks.add(t);
    return t;
  }

  /** Moves time forward, running every task that falls due on the way, each at its own time. */
  void forward(Duration duration) {
    long until = nanos + duration.toNanos();
    while (!tasks.isEmpty() && tasks.peek().dueNanos <= until) {
      Task next = tasks.poll();
      nanos = Math.max(nanos, next.dueNanos);
      next.body.run();
      if (next.periodNanos > 0 && !next.cancelled) {
        next.dueNanos = nanos + next.periodNanos; // fixed delay, as SystemClock
        tasks.add(next);
      }
    }
    nanos = until;
  }

  /** Moves time forward without running anything: a process that was not scheduled (a GC pause, a starved CPU). */
  void jump(Duration duration) {
    nanos += duration.toNanos();
  }

  /** Tasks waiting to run, repeating ones included. */
  int pending() {
    return tasks.size();
  }
}
