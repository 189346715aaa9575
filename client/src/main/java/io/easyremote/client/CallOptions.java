package io.easyremote.client;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.internal.Names;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How the calls of a client copy are routed, limited and retried: the balancing strategy, what the
 * node must offer, a pinned node, the deadline, the retry policy and an idempotency key. Apply
 * them with {@link Client#withOptions(CallOptions)}; {@code call}, {@code callAsync},
 * {@code stream} and proxies of that copy all carry them.
 *
 * <pre>{@code
 * Client gpu = client.withOptions(CallOptions.builder()
 *     .strategy(Strategy.LEAST_LOADED)
 *     .require("gpu", "*")                          // any node labelled gpu
 *     .minGpuMemoryFree(8L << 30)                   // with 8 GiB of GPU memory free
 *     .deadline(Duration.ofMinutes(2))
 *     .retry(RetryPolicy.builder().maxAttempts(5).build())
 *     .build());
 * float[] embedding = gpu.call("embed", float[].class, "hello");
 * }</pre>
 *
 * <p>Every option is unset by default ({@link #DEFAULT}): the gateway's default strategy, any
 * node, the client's deadline and retry policy, no key. When nodes offer the function but none
 * can ever satisfy the requirements, calls fail with {@link ErrorCode#NO_NODE_AVAILABLE}.
 * Immutable and thread-safe; {@link #toBuilder()} derives a changed copy.
 */
public final class CallOptions {
  /** No options: the gateway's and the client's defaults. */
  public static final CallOptions DEFAULT = new Builder().build();

  private static final int MAX_LABEL_LENGTH = 128;
  private static final int MAX_KEY_LENGTH = 256;

  private final Strategy strategy;
  private final Map<String, String> labels;
  private final long minMemoryFreeBytes;
  private final long minGpuMemoryFreeBytes;
  private final double maxCost;
  private final Duration deadline;
  private final String node;
  private final RetryPolicy retry;
  private final String idempotencyKey;

  private CallOptions(Builder b) {
    strategy = b.strategy;
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(b.labels));
    minMemoryFreeBytes = b.minMemoryFreeBytes;
    minGpuMemoryFreeBytes = b.minGpuMemoryFreeBytes;
    maxCost = b.maxCost;
    deadline = b.deadline;
    node = b.node;
    retry = b.retry;
    idempotencyKey = b.idempotencyKey;
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** How the gateway picks among suitable nodes, or null for the gateway's default ({@code smart}). */
  public Strategy strategy() {
    return strategy;
  }

  /** Labels the node must carry, label to value; value {@code "*"} means present with any value. Never null. */
  public Map<String, String> labels() {
    return labels;
  }

  /** Free memory the node must report, in bytes; 0 means any. */
  public long minMemoryFreeBytes() {
    return minMemoryFreeBytes;
  }

  /** Free memory one of the node's GPUs must report, in bytes; 0 means any (and no GPU needed). */
  public long minGpuMemoryFreeBytes() {
    return minGpuMemoryFreeBytes;
  }

  /** The highest declared node cost accepted; 0 means no limit. */
  public double maxCost() {
    return maxCost;
  }

  /** The calls' deadline, or null for the client's. */
  public Duration deadline() {
    return deadline;
  }

  /** The node every call is pinned to, bypassing the balancer; null for any. */
  public String node() {
    return node;
  }

  /** The retry policy, or null for the client's. */
  public RetryPolicy retry() {
    return retry;
  }

  /** The idempotency key sent with every call, or null for none. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** Whether any requirement on the node (labels, memory, GPU memory, cost) is set. */
  public boolean hasRequirements() {
    return !labels.isEmpty() || minMemoryFreeBytes > 0 || minGpuMemoryFreeBytes > 0 || maxCost > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CallOptions c && c.strategy == strategy && c.labels.equals(labels)
        && c.minMemoryFreeBytes == minMemoryFreeBytes && c.minGpuMemoryFreeBytes == minGpuMemoryFreeBytes
        && Double.compare(c.maxCost, maxCost) == 0 && Objects.equals(c.deadline, deadline) && Objects.equals(c.node, node)
        && Objects.equals(c.retry, retry) && Objects.equals(c.idempotencyKey, idempotencyKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(strategy, labels, minMemoryFreeBytes, minGpuMemoryFreeBytes, maxCost, deadline, node, retry,
        idempotencyKey);
  }

  /** The options that are set, e.g. {@code CallOptions{strategy=least_loaded, labels={gpu=*}}}; never the key itself. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("CallOptions{");
    if (strategy != null) {
      s.append("strategy=").append(strategy.wireName()).append(", ");
    }
    if (!labels.isEmpty()) {
      s.append("labels=").append(labels).append(", ");
    }
    if (minMemoryFreeBytes > 0) {
      s.append("minMemoryFreeBytes=").append(minMemoryFreeBytes).append(", ");
    }
    if (minGpuMemoryFreeBytes > 0) {
      s.append("minGpuMemoryFreeBytes=").append(minGpuMemoryFreeBytes).append(", ");
    }
    if (maxCost > 0) {
      s.append("maxCost=").append(maxCost).append(", ");
    }
    if (deadline != null) {
      s.append("deadline=").append(deadline.toMillis()).append(" ms, ");
    }
    if (node != null) {
      s.append("node=").append(node).append(", ");
    }
    if (retry != null) {
      s.append("retry=").append(retry).append(", ");
    }
    if (idempotencyKey != null) {
      s.append("idempotencyKey set, ");
    }
    if (s.charAt(s.length() - 1) == ' ') {
      s.setLength(s.length() - 2);
    }
    return s.append('}').toString();
  }

  /**
   * Builds {@link CallOptions}. Not thread-safe. Every setter rejects a bad value at once with an
   * {@link IllegalArgumentException} naming it; nothing is clamped. Setting null where allowed
   * restores the default.
   */
  public static final class Builder {
    private Strategy strategy;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private long minMemoryFreeBytes;
    private long minGpuMemoryFreeBytes;
    private double maxCost;
    private Duration deadline;
    private String node;
    private RetryPolicy retry;
    private String idempotencyKey;

    private Builder() {}

    private Builder(CallOptions from) {
      strategy = from.strategy;
      labels.putAll(from.labels);
      minMemoryFreeBytes = from.minMemoryFreeBytes;
      minGpuMemoryFreeBytes = from.minGpuMemoryFreeBytes;
      maxCost = from.maxCost;
      deadline = from.deadline;
      node = from.node;
      retry = from.retry;
      idempotencyKey = from.idempotencyKey;
    }

    /** The balancing strategy; null for the gateway's default. */
    public Builder strategy(Strategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /**
     * Requires the node to carry {@code label} with {@code value}, or with any value when
     * {@code value} is {@code "*"}. Requiring the same label again replaces its value.
     *
     * @throws IllegalArgumentException when the label is blank, longer than 128 characters or has
     *     whitespace, or the value is blank
     */
    public Builder require(String label, String value) {
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(value, "value");
      if (label.isBlank() || label.length() > MAX_LABEL_LENGTH || label.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(
            "require: label must be 1 to " + MAX_LABEL_LENGTH + " characters without whitespace: '" + label + "'");
      }
      if (value.isBlank()) {
        throw new IllegalArgumentException("require: value of label '" + label + "' is blank; use \"*\" for any value");
      }
      labels.put(label, value);
      return this;
    }

    /**
     * Requires the node to report at least this much free memory.
     *
     * @param bytes in bytes, e.g. {@code 4L << 30} for 4 GiB; 0 = any
     * @throws IllegalArgumentException when negative
     */
    public Builder minMemoryFree(long bytes) {
      this.minMemoryFreeBytes = nonNegative("minMemoryFree", bytes);
      return this;
    }

    /**
     * Requires one of the node's GPUs to report at least this much free memory (so a GPU at all).
     *
     * @param bytes in bytes; 0 = any, no GPU needed
     * @throws IllegalArgumentException when negative
     */
    public Builder minGpuMemoryFree(long bytes) {
      this.minGpuMemoryFreeBytes = nonNegative("minGpuMemoryFree", bytes);
      return this;
    }

    /**
     * Accepts only nodes whose declared cost is at most {@code cost}.
     *
     * @param cost in the unit the nodes declare; 0 = no limit
     * @throws IllegalArgumentException when negative, infinite or NaN
     */
    public Builder maxCost(double cost) {
      if (!(cost >= 0) || Double.isInfinite(cost)) {
        throw new IllegalArgumentException("maxCost must be a finite number >= 0: " + cost);
      }
      this.maxCost = cost;
      return this;
    }

    /**
     * The deadline of each call (a stream's whole length); null for the client's. A copy made
     * with these options has it as its {@link Client#deadline()}.
     *
     * @throws IllegalArgumentException unless more than zero and at most {@link Client#MAX_DEADLINE}
     */
    public Builder deadline(Duration deadline) {
      this.deadline = deadline == null ? null : Client.checkDeadline(deadline);
      return this;
    }

    /**
     * Pins every call to the node {@code nodeId}, bypassing the balancer (not the node's queue
     * or authorisation); null for any node. An explicit {@code callNode}/{@code streamNode}
     * overrides it.
     *
     * @throws IllegalArgumentException when {@code nodeId} is not a valid node id
     */
    public Builder node(String nodeId) {
      if (nodeId != null) {
        String problem = Names.nodeIdProblem(nodeId);
        if (problem != null) {
          throw new IllegalArgumentException("node: " + problem);
        }
      }
      this.node = nodeId;
      return this;
    }

    /** The retry policy (see {@link RetryPolicy}); null for the client's. */
    public Builder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    /**
     * A key that makes the gateway run a call once: a repeat with the same key (and function)
     * within 10 minutes gets the first call's outcome without running again, which also makes it
     * safe to retry after {@code NODE_LOST}. Every call of the copy sends it, so make a copy per
     * logical operation: {@code client.withOptions(opts.toBuilder().idempotencyKey(orderId).build())}.
     * Streams ignore it. Null for none.
     *
     * @throws IllegalArgumentException unless 1 to 256 visible ASCII characters
     */
    public Builder idempotencyKey(String key) {
      if (key != null && (key.isEmpty() || key.length() > MAX_KEY_LENGTH
          || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
        throw new IllegalArgumentException(
            "idempotencyKey must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters (no spaces); got "
                + key.length() + " characters");
      }
      this.idempotencyKey = key;
      return this;
    }

    /** The options. */
    public CallOptions build() {
      return new CallOptions(this);
    }

    private static long nonNegative(String name, long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException(name + " must be >= 0 bytes: " + bytes);
      }
      return bytes;
    }
  }
}
