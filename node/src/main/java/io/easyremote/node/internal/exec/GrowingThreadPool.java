package io.easyremote.node.internal.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The Java 17 fallback for running user functions: up to {@code maxThreads} daemon threads that
 * run short calls on a few of them and blocking calls on as many as they need.
 *
 * <p>Two costs shaped it. A {@code ThreadPoolExecutor} sized for the node's concurrency starts a
 * thread inside {@code execute} for each of its first {@code maxThreads} calls; the node submits
 * from its transport thread, and 10,000 calls arriving at once kept that thread busy starting
 * threads for seconds, holding back heartbeats until the gateway dropped the node. So
 * {@code execute} never starts a thread: a spawner thread of the pool's own does. And a queue
 * shared by hundreds of parked threads wakes one thread per task of a burst: on a 2-core node
 * relaying 32-byte echoes, its threads spent three times the CPU that this pool's do. So the pool
 * wakes a thread only while fewer than {@code parallelism} tasks hold a slot and no worker is
 * already looking for a task; a worker that finishes one takes the next itself.
 *
 * <p>A task that has held its slot longer than {@code blockedNanos} (500 µs by default) while its
 * thread waits (a sleep, a lock, a future), or ten times that in any state (reads in native code
 * look running), gives the slot up, so the next task gets another thread. A monitor thread checks
 * every {@code blockedNanos} while tasks wait; when none was taken in that time and no slot is
 * held, it wakes a thread for each waiting task, so a burst of blocking calls runs all at once.
 * Parked workers are woken most recently parked first and exit after 30 s idle.
 */
final class GrowingThreadPool extends AbstractExecutorService {
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long BLOCKED_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

  private final int maxThreads;
  private final String name;
  private final long idleNanos;
  private final long blockedNanos;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  /** Tasks taken so far: the monitor's sign of progress. */
  private final AtomicLong taken = new AtomicLong();
  /** Workers awake and looking for a task, or asked for and not started yet. */
  private final AtomicInteger searching = new AtomicInteger();
  /** The short tasks running now. */
  private final TaskSlots slots;
  /** Parked workers, the most recently parked first. */
  private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
  /** Workers started or asked for, and not yet exited. */
  private final AtomicInteger workers = new AtomicInteger();
  private final Semaphore spawnRequests = new Semaphore(0);
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger ids = new AtomicInteger();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final AtomicBoolean monitorArmed = new AtomicBoolean();
  private final Thread spawner;
  private final Thread monitor;
  private volatile boolean shutdown;
  private volatile boolean stopNow;

  GrowingThreadPool(int maxThreads, String name) {
    this(maxThreads, name, Math.min(64, Math.max(2, 2 * Runtime.getRuntime().availableProcessors())), IDLE_NANOS,
        BLOCKED_NANOS);
  }

  GrowingThreadPool(int maxThreads, String name, int parallelism, long idleNanos, long blockedNanos) {
    this.maxThreads = maxThreads;
    this.name = name;
    this.idleNanos = idleNanos;
    this.blockedNanos = blockedNanos;
    this.slots = new TaskSlots(Math.min(parallelism, maxThreads), blockedNanos);
    this.spawner = daemon(this::spawn, name + "-spawner");
    this.monitor = daemon(this::monitor, name + "-monitor");
    spawner.start();
    monitor.start();
  }

  @Override
  public void execute(Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("the function executor is shut down");
    }
    tasks.offer(task);
    queued.incrementAndGet();
    if (searching.get() == 0) {
      signalWork();
    }
  }

  /** Wakes a worker for a waiting task if a slot is free (or frees one held by a blocked task), else arms the monitor. */
  private void signalWork() {
    if (slots.anyFree() || slots.releaseBlocked(System.nanoTime()) > 0) {
      wakeOne();
    } else {
      armMonitor();
    }
  }

  /** Wakes the most recently parked worker, or asks the spawner for a new one; false at the limit. */
  private boolean wakeOne() {
    Worker worker;
    while ((worker = idle.pollFirst()) != null) {
      searching.incrementAndGet(); // before the claim: the worker may wake and stop searching at once
      if (worker.claim()) {
        LockSupport.unpark(worker.thread);
        return true;
      }
      searching.decrementAndGet();
    }
    for (int n = workers.get(); n < maxThreads && !shutdown; n = workers.get()) {
      if (workers.compareAndSet(n, n + 1)) {
        searching.incrementAndGet();
        spawnRequests.release();
        if (shutdown && spawnRequests.tryAcquire()) {
          unrequest(1); // the spawner may have stopped before this request came
          return false;
        }
        return true;
      }
    }
    return false;
  }

  /** Takes back requests for workers that will not start. */
  private void unrequest(int count) {
    searching.addAndGet(-count);
    if (workers.addAndGet(-count) == 0) {
      terminateIfShutDown();
    }
  }

  /** Called when no worker is left or asked for: after a shutdown, the pool has terminated. */
  private void terminateIfShutDown() {
    if (shutdown) {
      terminated.countDown();
      spawner.interrupt();
    }
  }

  /** Starts the workers asked for, each searching, until the pool has terminated (a shutdown still drains the queue). */
  private void spawn() {
    while (true) {
      try {
        spawnRequests.acquire();
      } catch (InterruptedException e) {
        if (isTerminated()) {
          return;
        }
        continue;
      }
      int id = ids.incrementAndGet();
      Worker worker = new Worker(id);
      worker.thread = daemon(() -> work(worker), name + "-" + id);
      threads.add(worker.thread);
      worker.thread.start();
    }
  }

  private void work(Worker self) {
    try {
      Runnable task;
      while ((task = take(self)) != null) {
        try {
          Thread.interrupted(); // a cancel aimed at an earlier task must not reach this one
          task.run(); // a FutureTask: it keeps the task's own exception
        } finally {
          // Searching again before the slot is free, so that a task arriving now is left to this worker.
          searching.incrementAndGet();
          if (self.start != null) {
            slots.release(self.start);
            self.start = null;
          }
        }
      }
    } finally {
      threads.remove(Thread.currentThread());
      if (workers.decrementAndGet() == 0) {
        terminateIfShutDown();
      }
    }
  }

  /** The next task, parking while there is none; null when this worker should exit. Called searching. */
  private Runnable take(Worker self) {
    while (true) {
      Runnable task = tasks.poll();
      if (task != null) {
        queued.decrementAndGet();
        taken.incrementAndGet();
        self.start = slots.claim(self.id, Thread.currentThread(), System.nanoTime());
        if (searching.decrementAndGet() == 0 && queued.get() > 0) {
          signalWork(); // more are waiting: hand on the search, as Go's scheduler does
        }
        return task;
      }
      if (shutdown) {
        searching.decrementAndGet();
        return null;
      }
      // Parked (and findable by a waker) before it stops searching: an execute that sees no searcher
      // then wakes this worker instead of starting another.
      self.parking();
      idle.addFirst(self);
      searching.decrementAndGet();
      if (!tasks.isEmpty()) { // a task came as it stopped: its execute may have counted on this worker
        searching.incrementAndGet(); // before the claim, so that no one sees a free slot, no searcher and no one parked
        if (self.claim()) {
          idle.removeFirstOccurrence(self);
          continue;
        }
        searching.decrementAndGet(); // a waker claimed it first, and counted it
      }
      if (!awaitClaim(self)) {
        return null;
      }
    }
  }

  /** Parks until a waker claims this worker (true: it counted it searching), or idle too long or shut down (false). */
  private boolean awaitClaim(Worker self) {
    long deadline = System.nanoTime() + idleNanos;
    while (!self.isClaimed()) {
      long left = deadline - System.nanoTime();
      if (shutdown || left <= 0 || stopNow) {
        if (self.retire()) {
          idle.removeFirstOccurrence(self);
          return false;
        }
        break; // a waker claimed it first
      }
      LockSupport.parkNanos(this, left);
      Thread.interrupted(); // a cancel that came too late for its task; shutdownNow also sets stopNow
    }
    return true;
  }

  private void armMonitor() {
    if (!monitorArmed.get() && monitorArmed.compareAndSet(false, true)) {
      LockSupport.unpark(monitor);
    }
  }

  /**
   * While tasks wait: every blocked time, frees the slots of blocked tasks and wakes a worker per
   * free slot; when no task was taken since the last look and no slot is held, wakes one per waiting
   * task.
   */
  private void monitor() {
    long lastTaken = taken.get();
    while (!shutdown) {
      if (queued.get() == 0) {
        monitorArmed.set(false);
        if (queued.get() == 0) {
          LockSupport.park(this);
          lastTaken = taken.get();
          continue;
        }
        monitorArmed.set(true);
      }
      LockSupport.parkNanos(this, blockedNanos);
      int waiting = queued.get();
      if (waiting == 0 || shutdown) {
        continue;
      }
      long now = taken.get();
      boolean progress = now != lastTaken;
      lastTaken = now;
      slots.releaseBlocked(System.nanoTime());
      int free = slots.free();
      // No task taken and none running in a slot: every worker is blocked, so a burst of blocking calls
      // gets a thread each at once rather than a slot's worth per look.
      boolean allBlocked = !progress && free == slots.count();
      int wake = (allBlocked ? waiting : Math.min(waiting, free)) - searching.get();
      for (int i = 0; i < wake && wakeOne(); i++) {
        // each woken worker takes one waiting task
      }
    }
  }

  /** Runs what is queued, then lets every worker go. */
  @Override
  public void shutdown() {
    shutdown = true;
    monitor.interrupt();
    for (Worker worker : idle) {
      LockSupport.unpark(worker.thread);
    }
    if (workers.get() == 0) {
      terminateIfShutDown();
    }
  }

  /** Drops what is queued and interrupts running tasks. */
  @Override
  public List<Runnable> shutdownNow() {
    stopNow = true;
    shutdown = true;
    List<Runnable> left = new ArrayList<>();
    for (Runnable task; (task = tasks.poll()) != null; ) {
      queued.decrementAndGet();
      left.add(task);
    }
    shutdown();
    threads.forEach(Thread::interrupt);
    return left;
  }

  /** Worker threads alive now. */
  int threadCount() {
    return threads.size();
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

  /** A daemon thread, not started yet. */
  private static Thread daemon(Runnable body, String name) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    return thread;
  }

  /** A worker thread, whether it is parked, claimed by a waker, or retired, and the slot its task holds. */
  private static final class Worker {
    private static final int AWAKE = 0;
    private static final int PARKED = 1;
    private static final int RETIRED = 2;

    final int id;
    final AtomicInteger state = new AtomicInteger(AWAKE);
    volatile Thread thread;
    /** The slot the running task holds, or null while it holds none; used by this worker only. */
    TaskSlots.Start start;

    Worker(int id) {
      this.id = id;
    }

    void parking() {
      state.set(PARKED);
    }

    /** A claim on a parked worker: a waker's, or its own to run a task that came as it parked. */
    boolean claim() {
      return state.compareAndSet(PARKED, AWAKE);
    }

    boolean isClaimed() {
      return state.get() == AWAKE;
    }

    /** The worker's own claim on itself, to exit; fails when a waker claimed it first. */
    boolean retire() {
      return state.compareAndSet(PARKED, RETIRED);
    }
  }
}
