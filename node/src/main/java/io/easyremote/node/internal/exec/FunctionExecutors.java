package io.easyremote.node.internal.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor user functions run on: a virtual thread per call on Java 21+, looked up at run
 * time so the code still targets Java 17; otherwise a pool of {@code maxConcurrency} daemon
 * threads. The stream callback thread never runs user code.
 */
public final class FunctionExecutors {
  private FunctionExecutors() {}

  /** An executor for up to {@code maxConcurrency} concurrent calls. */
  public static ExecutorService create(int maxConcurrency) {
    ExecutorService virtual = virtualThreadPerTask();
    if (virtual != null) {
      return virtual;
    }
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(maxConcurrency, maxConcurrency, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), runnable -> {
          Thread t = new Thread(runnable, "easyremote-fn-" + ids.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Whether calls run on virtual threads on this runtime. */
  public static boolean usesVirtualThreads() {
    return Runtime.version().feature() >= 21;
  }

  private static ExecutorService virtualThreadPerTask() {
    if (!usesVirtualThreads()) {
      return null;
    }
    try {
      return (ExecutorService) MethodHandles.publicLookup()
          .findStatic(java.util.concurrent.Executors.class, "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class))
          .invoke();
    } catch (Throwable e) {
      return null;
    }
  }
}
