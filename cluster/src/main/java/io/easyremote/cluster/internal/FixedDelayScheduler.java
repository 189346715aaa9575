package io.easyremote.cluster.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The timer thread of a gateway's NATS connections: jnats schedules its pings here. Periodic tasks
 * run with a fixed delay even when asked for a fixed rate, so that a JVM that was paused (a long
 * collection, a busy host) runs a missed ping once when it resumes, not every missed one back to
 * back: jnats counts pings sent and unanswered, and a burst of them, sent before the reader thread
 * has read the answers already waiting, would make it call a live connection stale and reconnect.
 * One daemon thread; its owner shuts it down after closing the connections that use it.
 */
public final class FixedDelayScheduler extends ScheduledThreadPoolExecutor {
  /** A scheduler whose thread is named {@code threadName}. */
  public FixedDelayScheduler(String threadName) {
    super(1, runnable -> {
      Thread t = new Thread(runnable, threadName);
      t.setDaemon(true);
      return t;
    });
    setRemoveOnCancelPolicy(true);
  }

  /** Runs {@code command} with a fixed delay of {@code period} between runs (see the class comment). */
  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return scheduleWithFixedDelay(command, initialDelay, period, unit);
  }
}
