package io.easyremote.client.internal.fanout;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Items finished per node: a count, and a rate over the last {@link #WINDOW_NANOS} kept in
 * quarter-second buckets, so a node that stops answering drops to zero within seconds. Not
 * thread-safe: the map engine holds its lock around every use.
 */
final class NodeRates {
  private static final long BUCKET_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  private static final int BUCKETS = 20;
  static final long WINDOW_NANOS = BUCKET_NANOS * BUCKETS;

  private final long startNanos;
  private final Counter all = new Counter();
  private final Map<String, Counter> nodes = new TreeMap<>();

  NodeRates(long startNanos) {
    this.startNanos = startNanos;
  }

  /** One item finished on {@code nodeId} (null when the gateway did not say) at {@code nowNanos}. */
  void record(String nodeId, long nowNanos) {
    all.add(nowNanos);
    nodes.computeIfAbsent(nodeId == null ? "?" : nodeId, id -> new Counter()).add(nowNanos);
  }

  /** Items per second over the window, all nodes together. */
  double rate(long nowNanos) {
    return all.rate(nowNanos);
  }

  /** Items each node finished, by node id in name order. */
  Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    nodes.forEach((id, c) -> counts.put(id, c.count));
    return counts;
  }

  /** Each node's items per second over the window, by node id in name order. */
  Map<String, Double> rates(long nowNanos) {
    Map<String, Double> rates = new LinkedHashMap<>();
    nodes.forEach((id, c) -> rates.put(id, c.rate(nowNanos)));
    return rates;
  }

  private final class Counter {
    private long count;
    private final long[] buckets = new long[BUCKETS];
    private final long[] bucketIds = new long[BUCKETS];

    Counter() {
      java.util.Arrays.fill(bucketIds, -1);
    }

    void add(long nowNanos) {
      long id = bucket(nowNanos);
      int i = (int) (id % BUCKETS);
      if (bucketIds[i] != id) {
        bucketIds[i] = id;
        buckets[i] = 0;
      }
      buckets[i]++;
      count++;
    }

    double rate(long nowNanos) {
      long id = bucket(nowNanos);
      long sum = 0;
      for (int i = 0; i < BUCKETS; i++) {
        if (bucketIds[i] > id - BUCKETS && bucketIds[i] <= id) {
          sum += buckets[i];
        }
      }
      long since = Math.max(1, nowNanos - startNanos);
      long span = Math.min(since, (BUCKETS - 1) * BUCKET_NANOS + since % BUCKET_NANOS);
      return sum * 1e9 / Math.max(span, TimeUnit.MILLISECONDS.toNanos(100));
    }

    private long bucket(long nowNanos) {
      return Math.max(0, nowNanos - startNanos) / BUCKET_NANOS;
    }
  }
}
