package io.easyremote.client;

import io.easyremote.protocol.Strategy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How calls are routed and retried: balancing strategy, requirements on the node, idempotency
 * key and retry policy. Use with {@link Client#withOptions(CallOptions)}; it applies to
 * {@code call}, {@code callAsync}, {@code stream} and proxies of the derived client. Immutable.
 *
 * <pre>{@code
 * Client gpu = client.withOptions(CallOptions.builder().strategy(Strategy.LEAST_LOADED).require("gpu", "*").build());
 * }</pre>
 *
 * @param strategy how the gateway picks the node, or null for its default
 * @param labels labels the node must carry ({@code "*"} = present with any value)
 * @param minMemoryFreeBytes free memory the node must report, 0 = any
 * @param minGpuMemoryFreeBytes free GPU memory the node must report, 0 = any
 * @param maxCost the highest acceptable declared cost, 0 = no limit
 * @param idempotencyKey a key that makes the gateway run this call once even if it is sent again, or null
 * @param retry the retry policy, or null for the client's
 */
public record CallOptions(Strategy strategy, Map<String, String> labels, long minMemoryFreeBytes, long minGpuMemoryFreeBytes,
    double maxCost, String idempotencyKey, RetryPolicy retry) {

  /** No options: the gateway's defaults. */
  public static final CallOptions DEFAULT = new CallOptions(null, Map.of(), 0, 0, 0, null, null);

  public CallOptions {
    labels = Map.copyOf(labels);
    if (minMemoryFreeBytes < 0 || minGpuMemoryFreeBytes < 0 || maxCost < 0) {
      throw new IllegalArgumentException("requirements must be >= 0");
    }
  }

  /** A builder starting from no options. */
  public static Builder builder() {
    return DEFAULT.toBuilder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds {@link CallOptions}. */
  public static final class Builder {
    private Strategy strategy;
    private final Map<String, String> labels;
    private long minMemoryFreeBytes;
    private long minGpuMemoryFreeBytes;
    private double maxCost;
    private String idempotencyKey;
    private RetryPolicy retry;

    private Builder(CallOptions from) {
      strategy = from.strategy;
      labels = new LinkedHashMap<>(from.labels);
      minMemoryFreeBytes = from.minMemoryFreeBytes;
      minGpuMemoryFreeBytes = from.minGpuMemoryFreeBytes;
      maxCost = from.maxCost;
      idempotencyKey = from.idempotencyKey;
      retry = from.retry;
    }

    public Builder strategy(Strategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /** Requires a label; {@code "*"} means the label must be present with any value. */
    public Builder require(String label, String value) {
      if (label == null || label.isBlank() || value == null) {
        throw new IllegalArgumentException("require needs a label and a value (\"*\" = any)");
      }
      labels.put(label, value);
      return this;
    }

    public Builder minMemoryFree(long bytes) {
      this.minMemoryFreeBytes = bytes;
      return this;
    }

    public Builder minGpuMemoryFree(long bytes) {
      this.minGpuMemoryFreeBytes = bytes;
      return this;
    }

    public Builder maxCost(double cost) {
      this.maxCost = cost;
      return this;
    }

    public Builder idempotencyKey(String key) {
      this.idempotencyKey = key;
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    public CallOptions build() {
      return new CallOptions(strategy, labels, minMemoryFreeBytes, minGpuMemoryFreeBytes, maxCost, idempotencyKey, retry);
    }
  }
}
