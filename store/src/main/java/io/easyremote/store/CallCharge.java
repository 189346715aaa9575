package io.easyremote.store;

/**
 * A call charged in one request ({@link Ledger#chargeCall}): its itemization. The credits moved in
 * transfers shared with the other calls of its ledger batch between the same accounts (their
 * amounts are the batch's sums); this row is what says the call was charged, once.
 *
 * @param callId the call
 * @param caller who paid
 * @param nodeOwner who ran it and got {@code charge − fee}
 * @param operator who got the fee
 * @param charge what the caller paid (&gt; 0)
 * @param fee the operator's part of the charge
 * @param shareTransfer the transfer that carries the node owner's share, or null when the fee is the whole charge
 * @param feeTransfer the transfer that carries the fee, or null when there is none
 * @param createdAt when it was written
 */
public record CallCharge(String callId, String caller, String nodeOwner, String operator, long charge, long fee, String shareTransfer,
    String feeTransfer, long createdAt) {

  /** The node owner's part: charge − fee. */
  public long share() {
    return charge - fee;
  }

  /** Whether {@code other} charges the same (every field but the transfers and the time): an idempotent repeat. */
  public boolean sameAs(CallCharge other) {
    return callId.equals(other.callId) && caller.equals(other.caller) && nodeOwner.equals(other.nodeOwner)
        && operator.equals(other.operator) && charge == other.charge && fee == other.fee;
  }
}
