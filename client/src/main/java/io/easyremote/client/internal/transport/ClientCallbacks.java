package io.easyremote.client.internal.transport;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where the client runs its callers' code that a transport event happens to start: async replies
 * (a batch per message) and a push consumer's deliveries. gRPC callbacks run on the transport's
 * event loop ({@code directExecutor}: no hand-off per message), which must never run the callers'
 * code, since a caller that blocks there would stall every call on the connection. Shared by every
 * client in the JVM; idle threads end after a minute.
 */
public final class ClientCallbacks {
  private static final Executor EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
      new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "easyremote-client-replies");
        t.setDaemon(true);
        return t;
      });

  private ClientCallbacks() {}

  /** The shared pool (daemon threads named {@code easyremote-client-replies}). */
  public static Executor executor() {
    return EXECUTOR;
  }
}
