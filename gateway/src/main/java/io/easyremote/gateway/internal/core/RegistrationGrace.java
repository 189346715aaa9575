package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The start-up window in which a call to a function nobody offers waits for a node to register
 * (nodes reconnecting after a gateway restart) instead of failing with FUNCTION_NOT_FOUND. It runs
 * from when the gateway listens ({@link #start}), since no node can reconnect before.
 */
final class RegistrationGrace {
  private final ReentrantLock lock;
  private final Clock clock;
  private final long graceNanos;
  @GuardedBy("lock")
  private long endsNanos;

  RegistrationGrace(ReentrantLock lock, Clock clock, Duration grace) {
    this.lock = lock;
    this.clock = clock;
    this.graceNanos = grace.toNanos();
    // Until the gateway listens no node can register, so a non-zero grace has not begun yet.
    this.endsNanos = graceNanos == 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  /** The gateway listens: the grace runs from now. */
  void start() {
    lock.lock();
    try {
      endsNanos = clock.nanoTime() + graceNanos;
    } finally {
      lock.unlock();
    }
  }

  /** Whether calls to unknown functions still wait. */
  boolean active() {
    lock.lock();
    try {
      return clock.nanoTime() < endsNanos;
    } finally {
      lock.unlock();
    }
  }

  /** The grace is over. */
  void end() {
    lock.lock();
    try {
      endsNanos = Long.MIN_VALUE;
    } finally {
      lock.unlock();
    }
  }
}
