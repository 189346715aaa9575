package io.easyremote.client.internal.retry;

import io.easyremote.client.RetryPolicy;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Which failures may be retried, and how long to wait first; the rules {@link RetryPolicy} documents. */
final class RetryRules {
  private RetryRules() {}

  /** What a failure allows. */
  enum Verdict {
    /** It certainly never ran: retry. */
    SAFE,
    /** It may have run: retry only if running twice is harmless. */
    IF_IDEMPOTENT,
    /** Retrying cannot help, or would be wrong. */
    NEVER
  }

  static Verdict classify(RemoteException e) {
    ErrorCode code = e.code();
    if (code != ErrorCode.UNAVAILABLE && code != ErrorCode.OVERLOADED && code != ErrorCode.NODE_LOST) {
      return Verdict.NEVER;
    }
    if (!e.reachedNode()) {
      return Verdict.SAFE;
    }
    // OVERLOADED is decided before any node runs the call; one that claims otherwise is not trusted to be safe.
    return code == ErrorCode.OVERLOADED ? Verdict.NEVER : Verdict.IF_IDEMPOTENT;
  }

  /**
   * The wait before retry number {@code retry} (1 for the first): "full jitter", uniformly random
   * up to {@code min(maxBackoff, initialBackoff × 2^(retry-1))}, and never less than the failure's
   * retry-after hint.
   */
  static long backoffNanos(RetryPolicy policy, int retry, RemoteException failure) {
    long initial = policy.initialBackoff().toNanos();
    long max = policy.maxBackoff().toNanos();
    int doublings = Math.min(retry - 1, 62 - (63 - Long.numberOfLeadingZeros(Math.max(1, initial))));
    long ceiling = Math.min(max, initial << Math.max(0, doublings));
    long delay = ThreadLocalRandom.current().nextLong(ceiling + 1);
    return Math.max(delay, TimeUnit.MILLISECONDS.toNanos(Math.max(0, failure.retryAfterMillis())));
  }
}
