package io.easyremote.node.internal.exec;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The slots of {@link GrowingThreadPool}: one per task that may run at once without blocking. A
 * slot is empty, or holds the start of the task that claimed it. A task that blocks gives its slot
 * up, so that the next task gets a thread of its own.
 */
final class TaskSlots {
  /** A task in its thread's code this many blocked times is taken as blocked even there: native I/O looks the same. */
  private static final int RUNNABLE_FACTOR = 10;

  private final AtomicReferenceArray<Start> slots;
  private final long blockedNanos;

  TaskSlots(int count, long blockedNanos) {
    this.slots = new AtomicReferenceArray<>(Math.max(1, count));
    this.blockedNanos = blockedNanos;
  }

  int count() {
    return slots.length();
  }

  /**
   * Claims a free slot for a task that {@code thread} starts now, looking first at slot
   * {@code hint} modulo the count; null when none is free (past the parallelism: a blocked task's
   * slot was given up, or a worker came back from one), and the task then runs without.
   */
  Start claim(int hint, Thread thread, long nanos) {
    int n = slots.length();
    for (int i = 0; i < n; i++) {
      int slot = Math.floorMod(hint + i, n);
      if (slots.get(slot) == null) {
        Start start = new Start(slot, thread, nanos);
        if (slots.compareAndSet(slot, null, start)) {
          return start;
        }
      }
    }
    return null;
  }

  /** Frees the slot of a finished task, unless it was given up already. */
  void release(Start start) {
    slots.compareAndSet(start.slot, start, null);
  }

  boolean anyFree() {
    for (int i = 0; i < slots.length(); i++) {
      if (slots.get(i) == null) {
        return true;
      }
    }
    return false;
  }

  int free() {
    int free = 0;
    for (int i = 0; i < slots.length(); i++) {
      if (slots.get(i) == null) {
        free++;
      }
    }
    return free;
  }

  /**
   * Frees the slots of blocked tasks; returns how many. A task is blocked when it has held its
   * slot longer than the blocked time while its thread waits (a sleep, a lock, a future), or ten
   * times that in any state: a thread the OS has merely preempted stays {@code RUNNABLE}, so a busy
   * machine does not pass for blocked tasks, and so are reads in native code.
   */
  int releaseBlocked(long now) {
    int released = 0;
    for (int i = 0; i < slots.length(); i++) {
      Start start = slots.get(i);
      if (start != null && blocked(start, now) && slots.compareAndSet(i, start, null)) {
        released++;
      }
    }
    return released;
  }

  private boolean blocked(Start start, long now) {
    long ran = now - start.nanos;
    return ran > blockedNanos && (ran > RUNNABLE_FACTOR * blockedNanos || start.thread.getState() != Thread.State.RUNNABLE);
  }

  /** Which slot a task holds, the thread that runs it and when it started; one per task, so a stale look cannot free the next task's. */
  static final class Start {
    final int slot;
    final Thread thread;
    final long nanos;

    Start(int slot, Thread thread, long nanos) {
      this.slot = slot;
      this.thread = thread;
      this.nanos = nanos;
    }
  }
}
