package io.easyremote.node.internal.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;

/**
 * The executor user functions run on: a virtual thread per call on Java 21+, looked up at run
 * time so the code still targets Java 17; otherwise a {@link GrowingThreadPool} of up to
 * {@code maxConcurrency} daemon threads. Submitting never blocks or starts a thread, so the node
 * may submit from its transport thread; that thread never runs user code.
 */
public final class FunctionExecutors {
  private FunctionExecutors() {}

  /** An executor for up to {@code maxConcurrency} concurrent calls. */
  public static ExecutorService create(int maxConcurrency) {
    ExecutorService virtual = virtualThreadPerTask();
    if (virtual != null) {
      return virtual;
    }
    return new GrowingThreadPool(maxConcurrency, "easyremote-fn");
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
