package io.easyremote.client;

/**
 * What a client did, counted over its lifetime (shared by derived copies).
 *
 * @param calls calls made
 * @param attempts attempts sent, retries included
 * @param retries attempts that were retries
 * @param retriesDeniedByBudget retries the budget refused (the call failed instead)
 */
public record ClientStats(long calls, long attempts, long retries, long retriesDeniedByBudget) {}
