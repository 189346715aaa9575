package io.easyremote.gateway.internal.dashboard;

import io.easyremote.gateway.internal.core.CallListener;
import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.gateway.internal.core.Outcome;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-function call counts and latency percentiles over each function's last {@value #WINDOW}
 * calls, for the dashboard. Only calls that reached a node are counted, so made-up function names
 * cannot grow it. Thread-safe.
 */
public final class FunctionStats implements CallListener {
  /** How many recent latencies per function the percentiles are taken over. */
  static final int WINDOW = 256;

  private final Map<String, Window> byFunction = new ConcurrentHashMap<>();

  /**
   * A function's figures.
   *
   * @param calls calls that reached a node since the gateway started
   * @param failed those that failed through the node or the gateway (the function threw, the node was lost)
   * @param callerErrors those that failed through the caller (bad arguments, cancelled; {@link Outcome}), not counted as failed
   * @param p50Millis median latency over the recent window
   * @param p95Millis 95th percentile over the recent window
   */
  public record Figures(long calls, long failed, long callerErrors, double p50Millis, double p95Millis) {
    /** No calls yet. */
    public static final Figures NONE = new Figures(0, 0, 0, 0, 0);
  }

  @Override
  public void onCompleted(CallRecord record) {
    if (record.nodeId() == null) {
      return;
    }
    byFunction.computeIfAbsent(record.function(), f -> new Window())
        .add(record.totalNanos(), Outcome.isFailure(record.error()), "caller".equals(Outcome.fault(record.error())));
  }

  /** The figures of one function, or {@link Figures#NONE}. */
  public Figures of(String function) {
    Window window = byFunction.get(function);
    return window == null ? Figures.NONE : window.figures();
  }

  /** Forgets functions no node offers any more. */
  public void retainOnly(Collection<String> registered) {
    byFunction.keySet().retainAll(registered);
  }

  private static final class Window {
    private final long[] nanos = new long[WINDOW];
    private long calls;
    private long failed;
    private long callerErrors;

    synchronized void add(long totalNanos, boolean failure, boolean callerError) {
      nanos[(int) (calls % WINDOW)] = totalNanos;
      calls++;
      if (failure) {
        failed++;
      }
      if (callerError) {
        callerErrors++;
      }
    }

    synchronized Figures figures() {
      int n = (int) Math.min(calls, WINDOW);
      if (n == 0) {
        return Figures.NONE;
      }
      long[] sorted = Arrays.copyOf(nanos, n);
      Arrays.sort(sorted);
      return new Figures(calls, failed, callerErrors, percentile(sorted, 0.50), percentile(sorted, 0.95));
    }

    private static double percentile(long[] sorted, double q) {
      int index = (int) Math.ceil(q * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }
  }
}
