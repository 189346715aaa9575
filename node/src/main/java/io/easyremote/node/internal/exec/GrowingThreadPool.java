package io.easyremote.node.internal.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java 17 fallback for running user functions: up to {@code maxThreads} daemon threads that
 * are started by a spawner thread of the pool's own, never by the thread that submits. A
 * {@code ThreadPoolExecutor} sized for the node's concurrency starts a thread inside
 * {@code execute} for each of the first {@code maxThreads} calls; the node submits from its
 * transport thread, and 10,000 calls arriving at once kept that thread busy starting threads for
 * seconds, holding back heartbeats until the gateway dropped the node. Here {@code execute} only
 * queues the task and, when no worker is idle, wakes the spawner. Workers idle for 30 s exit.
 */
final class GrowingThreadPool extends AbstractExecutorService {
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final Runnable STOP = () -> {};

  private final int maxThreads;
  private final String name;
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final AtomicInteger workers = new AtomicInteger();
  private final AtomicInteger idle = new AtomicInteger();
  private final Semaphore growRequests = new Semaphore(0);
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger ids = new AtomicInteger();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final Thread spawner;
  private volatile boolean shutdown;
  private volatile boolean stopNow;

  GrowingThreadPool(int maxThreads, String name) {
    this.maxThreads = maxThreads;
    this.name = name;
    this.spawner = new Thread(this::spawn, name + "-spawner");
    spawner.setDaemon(true);
    spawner.start();
  }

  @Override
  public void execute(Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("the function executor is shut down");
    }
    tasks.add(task);
    if (tasks.size() > idle.get() && workers.get() < maxThreads) {
      growRequests.release();
    }
  }

  /** Starts workers while queued tasks outnumber idle workers; a new worker counts as idle from the start. */
  private void spawn() {
    try {
      while (!shutdown) {
        growRequests.acquire();
        growRequests.drainPermits();
        while (!shutdown && workers.get() < maxThreads && tasks.size() > idle.get()) {
          idle.incrementAndGet();
          workers.incrementAndGet();
          Thread worker = new Thread(this::work, name + "-" + ids.incrementAndGet());
          worker.setDaemon(true);
          threads.add(worker);
          worker.start();
        }
      }
    } catch (InterruptedException e) {
      // shut down
    }
  }

  /** Takes tasks until shut down or idle for 30 s; counted idle except while running a task. */
  private void work() {
    try {
      while (true) {
        Runnable task;
        try {
          task = tasks.poll(IDLE_NANOS, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          if (stopNow) {
            return;
          }
          continue; // a cancel that came too late for its task
        }
        if (task == null) {
          return; // idle too long
        }
        if (task == STOP) {
          tasks.add(STOP); // for the next worker
          return;
        }
        idle.decrementAndGet();
        if (tasks.size() > idle.get() && workers.get() < maxThreads) {
          // Between the poll and the line above this worker still counted as idle, and a task that
          // execute() (or the spawner) saw then may have been judged covered: ask for a worker now.
          growRequests.release();
        }
        try {
          Thread.interrupted(); // a cancel aimed at an earlier task must not reach this one
          task.run(); // a FutureTask: it keeps the task's own exception
        } finally {
          idle.incrementAndGet();
        }
      }
    } finally {
      idle.decrementAndGet();
      threads.remove(Thread.currentThread());
      if (workers.decrementAndGet() == 0 && shutdown) {
        terminated.countDown();
      } else if (!shutdown && !tasks.isEmpty()) {
        growRequests.release(); // a task arrived as this worker left: let the spawner cover it
      }
    }
  }

  /** Runs what is queued, then lets every worker go. */
  @Override
  public void shutdown() {
    shutdown = true;
    spawner.interrupt();
    tasks.add(STOP);
    if (workers.get() == 0) {
      terminated.countDown();
    }
  }

  /** Drops what is queued and interrupts running tasks. */
  @Override
  public List<Runnable> shutdownNow() {
    stopNow = true;
    List<Runnable> left = new ArrayList<>();
    tasks.drainTo(left);
    left.remove(STOP);
    shutdown();
    threads.forEach(Thread::interrupt);
    return left;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return terminated.await(timeout, unit);
  }
}
