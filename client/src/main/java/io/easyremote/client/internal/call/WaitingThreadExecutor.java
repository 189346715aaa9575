package io.easyremote.client.internal.call;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the gRPC callbacks of one blocking call on the thread that waits for it, as grpc-java's own
 * blocking stubs do: the reply is read by the caller, with no hand-off through a pool thread
 * (one thread wake-up less per call). Once the waiter has left, callbacks run where they are
 * submitted, so a late one (a trailer after the reply, a retry's leftovers) is never stranded.
 */
public final class WaitingThreadExecutor implements Executor {
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Thread waiter = Thread.currentThread();
  private volatile boolean waiting = true;

  @Override
  public void execute(Runnable task) {
    if (!waiting) {
      task.run();
      return;
    }
    tasks.add(task);
    LockSupport.unpark(waiter);
    if (!waiting) {
      drain(); // the waiter left between the check and the add: run what it left behind
    }
  }

  /**
   * Runs callbacks on this thread until {@code future} is done, however it completes (a callback
   * here, or another thread such as a retry timer).
   *
   * @throws InterruptedException when this thread is interrupted first; the future is left as is
   */
  public void await(CompletableFuture<?> future) throws InterruptedException {
    if (Thread.currentThread() != waiter) {
      throw new IllegalStateException("await() must run on the thread that created the executor");
    }
    future.whenComplete((value, failure) -> LockSupport.unpark(waiter));
    try {
      while (!future.isDone()) {
        Runnable task = tasks.poll();
        if (task != null) {
          task.run();
        } else {
          LockSupport.park(this);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
        }
      }
    } finally {
      waiting = false;
      drain();
    }
  }

  private void drain() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      task.run();
    }
  }
}
