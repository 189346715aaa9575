package io.easyremote.store;

/**
 * An account's totals, as TigerBeetle keeps them: what was debited and credited, posted and
 * pending. Amounts are in the smallest unit.
 *
 * @param id the account's name
 * @param constrained whether its debits must not exceed its credits (every account but the mint's)
 * @param debitsPending reserved from it and not yet posted or voided
 * @param debitsPosted taken from it
 * @param creditsPending reserved for it and not yet posted or voided
 * @param creditsPosted given to it
 */
public record Account(String id, boolean constrained, long debitsPending, long debitsPosted, long creditsPending,
    long creditsPosted) {

  /** What it can spend or reserve now: credits posted − debits posted − debits pending (negative only for the mint). */
  public long available() {
    return creditsPosted - debitsPosted - debitsPending;
  }

  /** What is reserved from it (calls in flight). */
  public long reserved() {
    return debitsPending;
  }

  /** Credits posted − debits posted: its balance with nothing pending (the mint's is minus all it granted). */
  public long posted() {
    return creditsPosted - debitsPosted;
  }
}
