package io.easyremote.store;

/**
 * Why the {@link Ledger} refused an operation. A refused operation wrote nothing. The names follow
 * TigerBeetle's result codes where they mean the same thing.
 */
public enum LedgerError {
  /** An amount was zero or negative (or a post of more than nothing was expected). */
  INVALID_AMOUNT,
  /** A transfer, call or account id was empty, too long or held characters it may not. */
  INVALID_ID,
  /** A fee was outside 0..10,000 basis points. */
  INVALID_FEE,
  /** A transfer would have overflowed an account's totals (a {@code long}). */
  OVERFLOW,
  /** A transfer named an account that does not exist. */
  UNKNOWN_ACCOUNT,
  /** A transfer's debit and credit accounts were the same. */
  SAME_ACCOUNT,
  /** The mint and clearing accounts are moved only by {@code mint} and the call methods. */
  SYSTEM_ACCOUNT,
  /** The debit account's available balance does not cover the amount: nothing was reserved or moved. */
  INSUFFICIENT_CREDITS,
  /** A transfer with this id exists with other fields (a second request with the same fields returns the first). */
  ID_REUSED,
  /** A post or void named a transfer that does not exist or is not a pending one (or a call with no reservation). */
  UNKNOWN_PENDING,
  /** The pending transfer was already posted: it cannot be posted again (with other fields) or voided. */
  ALREADY_POSTED,
  /** The pending transfer was already voided: it cannot be posted or voided again. */
  ALREADY_VOIDED,
  /** A post asked for more than the pending transfer reserved. */
  EXCEEDS_PENDING
}
