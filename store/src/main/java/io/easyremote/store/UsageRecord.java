package io.easyremote.store;

import java.util.Objects;

/**
 * One completed call that reached a node, as metered: {@link UsageTable} adds it to its minute's
 * sums.
 *
 * @param callerAccount who called
 * @param nodeAccount who owns the node that ran it
 * @param function the function called
 * @param nodeId the node that ran it
 * @param executionMs how long it ran on the node
 * @param bytesIn the request's payload size
 * @param bytesOut the result's payload size (all items of a stream)
 * @param outcome {@code ok}, or the error code in lower case ({@code function_failed}, {@code deadline_exceeded}, ...)
 * @param finishedAt when it finished, epoch milliseconds
 */
public record UsageRecord(String callerAccount, String nodeAccount, String function, String nodeId, long executionMs,
    long bytesIn, long bytesOut, String outcome, long finishedAt) {

  /** Checks the fields. @throws IllegalArgumentException naming the bad one */
  public UsageRecord {
    text(callerAccount, "callerAccount", 128);
    text(nodeAccount, "nodeAccount", 128);
    text(function, "function", 256);
    text(nodeId, "nodeId", 256);
    text(outcome, "outcome", 32);
    if (executionMs < 0 || bytesIn < 0 || bytesOut < 0 || finishedAt < 0) {
      throw new IllegalArgumentException("usage of '" + function + "': times and sizes cannot be negative (executionMs " + executionMs
          + ", bytesIn " + bytesIn + ", bytesOut " + bytesOut + ", finishedAt " + finishedAt + ")");
    }
  }

  private static void text(String value, String name, int max) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty() || value.length() > max) {
      throw new IllegalArgumentException("usage: " + name + " must be 1-" + max + " characters, not " + value.length());
    }
  }

  /** Whether the call succeeded. */
  public boolean ok() {
    return "ok".equals(outcome);
  }
}
