package io.easyremote.node.internal.exec;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The items a streaming call may still send: granted by the caller through the gateway, spent
 * one per item. A producer with no credit waits (interruptibly), which is how a slow consumer
 * throttles it. ReentrantLock, not synchronized, so virtual threads do not pin.
 */
final class Credits {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition available = lock.newCondition();
  private long credits;

  Credits(long initial) {
    this.credits = initial;
  }

  void grant(long n) {
    lock.lock();
    try {
      credits += n;
      available.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Takes one credit, waiting for it. */
  void acquire() throws InterruptedException {
    lock.lock();
    try {
      while (credits <= 0) {
        available.await();
      }
      credits--;
    } finally {
      lock.unlock();
    }
  }

  /** Credits available now. */
  long available() {
    lock.lock();
    try {
      return credits;
    } finally {
      lock.unlock();
    }
  }
}
