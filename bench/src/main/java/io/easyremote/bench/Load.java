package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Drives a {@link Caller}: a fixed number of sequential calls, closed-loop callers for a while
 * (a thread each), or a fixed number of asynchronous calls kept in flight (no thread each).
 */
final class Load {
  private Load() {}

  /** {@code calls} calls one after another on this thread. */
  static Sample sequential(Caller caller, int calls) throws Exception {
    Histogram nanos = Sample.histogram();
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      caller.call();
      nanos.recordValue(System.nanoTime() - t0);
    }
    return Sample.of(nanos, 0, (System.nanoTime() - start) / 1e9);
  }

  /**
   * {@code inFlight} asynchronous calls kept in flight for {@code duration}: each completion starts
   * the next call (on the thread that completed it), so no caller thread waits. What a closed loop
   * of as many threads measures too, without a thread woken per result; a call that fails is
   * counted, not timed. Fails if every call failed.
   */
  static Sample inFlight(Caller caller, int inFlight, Duration duration) throws Exception {
    Histogram nanos = new org.HdrHistogram.ConcurrentHistogram(600_000_000_000L, 3);
    AtomicLong errors = new AtomicLong();
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(inFlight);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    for (int i = 0; i < inFlight; i++) {
      next(caller, end, nanos, errors, firstError, done);
    }
    if (!done.await(duration.toMillis() + 60_000, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(caller.name() + ": calls still in flight a minute after the window");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (nanos.getTotalCount() == 0 && firstError.get() != null) {
      throw new IllegalStateException(caller.name() + " failed every call", firstError.get());
    }
    return Sample.of(nanos, errors.get(), seconds);
  }

  /** Starts one call of a chain, or ends the chain once the window closed. */
  private static void next(Caller caller, long end, Histogram nanos, AtomicLong errors, AtomicReference<Throwable> firstError,
      CountDownLatch done) {
    long now = System.nanoTime();
    if (now >= end) {
      done.countDown();
      return;
    }
    caller.callAsync().whenComplete((v, failure) -> {
      if (failure != null) { // counted, and the chain ends: a call refused at once would otherwise recurse here
        errors.incrementAndGet();
        firstError.compareAndSet(null, failure);
        done.countDown();
        return;
      }
      nanos.recordValue(System.nanoTime() - now);
      next(caller, end, nanos, errors, firstError, done);
    });
  }

  /**
   * {@code callers} threads each calling in a loop for {@code duration}; a call that fails is
   * counted, not timed. Fails if every call failed (a broken path is not a fast one).
   */
  static Sample closedLoop(Caller caller, int callers, Duration duration) throws Exception {
    List<Histogram> perThread = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    AtomicReference<Exception> firstError = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(callers);
    long[] window = new long[2];
    for (int t = 0; t < callers; t++) {
      Histogram nanos = Sample.histogram();
      perThread.add(nanos);
      Thread thread = new Thread(() -> {
        try {
          go.await();
          long end = window[1];
          long now;
          while ((now = System.nanoTime()) < end) {
            try {
              caller.call();
              nanos.recordValue(System.nanoTime() - now);
            } catch (Exception e) {
              errors.incrementAndGet();
              firstError.compareAndSet(null, e);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }, "bench-caller-" + t);
      thread.setDaemon(true);
      thread.start();
    }
    window[0] = System.nanoTime();
    window[1] = window[0] + duration.toNanos();
    go.countDown();
    done.await();
    double seconds = (System.nanoTime() - window[0]) / 1e9;
    Histogram all = Sample.histogram();
    perThread.forEach(all::add);
    if (all.getTotalCount() == 0 && firstError.get() != null) {
      throw firstError.get();
    }
    return Sample.of(all, errors.get(), seconds);
  }
}
