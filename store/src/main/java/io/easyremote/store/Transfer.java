package io.easyremote.store;

import java.util.Objects;

/**
 * One row of the append-only ledger: {@code amount} moved (or reserved) from {@code debitAccount}
 * to {@code creditAccount}. Amounts are in the smallest unit; times epoch milliseconds.
 *
 * @param id the unique id the caller chose (a second request with the same id and fields returns this)
 * @param kind what it does
 * @param debitAccount the account it takes from
 * @param creditAccount the account it gives to
 * @param amount how much (&gt; 0): moved, reserved, posted, or for a VOID the amount released
 * @param pendingId for POST and VOID, the PENDING transfer settled; null otherwise
 * @param code what it was for: {@code grant}, {@code transfer}, {@code call}, {@code share}, {@code fee} (for a call, or for the
 *     calls of a batch, see {@link Ledger#chargeCall}), or the caller's own
 * @param tag free text kept with a reservation (e.g. the gateway that made it), or null
 * @param createdAt when it was written
 */
public record Transfer(String id, Kind kind, String debitAccount, String creditAccount, long amount, String pendingId,
    String code, String tag, long createdAt) {

  /** The four kinds of transfer, as in TigerBeetle. */
  public enum Kind {
    /** Posted at once (single-phase). */
    TRANSFER,
    /** Reserved: counts against the debit account's available balance until posted or voided. */
    PENDING,
    /** Settles a PENDING transfer: posts {@code amount} (at most what was reserved) and releases the rest. */
    POST,
    /** Settles a PENDING transfer: releases all of it. */
    VOID
  }

  /** Whether {@code other} asks for the same thing (every field but the time): an idempotent repeat. */
  public boolean sameAs(Transfer other) {
    return id.equals(other.id) && kind == other.kind && debitAccount.equals(other.debitAccount)
        && creditAccount.equals(other.creditAccount) && amount == other.amount && Objects.equals(pendingId, other.pendingId)
        && code.equals(other.code) && Objects.equals(tag, other.tag);
  }
}
