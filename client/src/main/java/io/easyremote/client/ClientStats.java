package io.easyremote.client;

/**
 * What a client has done since it was built, from {@link Client#stats()}: counted once for a root
 * client and every copy derived from it. A snapshot; the counters only grow.
 *
 * <pre>{@code
 * ClientStats s = client.stats();
 * double amplification = (double) s.attempts() / s.calls();   // 1.0 = no retries
 * }</pre>
 *
 * @param calls calls and streams made (not counting those refused before sending for bad input,
 *     such as a malformed name or oversized arguments)
 * @param attempts requests sent to the gateway for them, retries included
 * @param retries attempts that were retries
 * @param retriesDeniedByBudget retries the {@link SlidingWindowRetryBudget} refused (those calls failed with
 *     their last error instead)
 */
public record ClientStats(long calls, long attempts, long retries, long retriesDeniedByBudget) {}
