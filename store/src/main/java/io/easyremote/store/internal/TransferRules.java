package io.easyremote.store.internal;

import io.easyremote.store.CallCharge;
import io.easyremote.store.Ledger;
import io.easyremote.store.LedgerError;
import io.easyremote.store.Transfer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What each ledger request does to a batch ({@link LedgerTx}): a transfer created, a reservation
 * settled, a call settled or charged in one request. Each checks everything before it changes
 * anything and returns a refusal (an {@link Outcome} with its error) instead of throwing; the batch
 * undoes a refused request's changes. Stateless.
 */
final class TransferRules {
  private TransferRules() {}

  /**
   * A call charged in one request ({@link #chargeDirectly}): its settlement, or its charge, whose
   * settlement names the batched transfers that carry it, complete once the batch is written.
   */
  record ChargedCall(CallCharge charge, long reserved, Ledger.Settlement ready) {
    Ledger.Settlement settlement(LedgerTx tx) throws SQLException {
      if (ready != null) {
        return ready;
      }
      List<Transfer> transfers = new ArrayList<>(2);
      for (String id : new String[] {charge.shareTransfer(), charge.feeTransfer()}) {
        Transfer t = tx.written(id);
        if (t != null) {
          transfers.add(t);
        }
      }
      return new Ledger.Settlement(charge.callId(), charge.caller(), charge.nodeOwner(), charge.operator(), reserved, charge.charge(),
          charge.fee(), transfers);
    }
  }

  /** The id of the node owner's share of a call's charge, {@code pendingId} being the call's reservation id. */
  static String shareId(String pendingId) {
    return pendingId + ":share";
  }

  /** The id of the operator's fee on a call's charge. */
  static String feeId(String pendingId) {
    return pendingId + ":fee";
  }

  /**
   * Charges a call whose reservation was held in the gateway's memory only: one row itemizes it,
   * and its share and fee join the batch's transfers from the caller to the node owner and to the
   * operator ({@link LedgerTx#charge}). The row is the call's at-most-once guard: a repeat finds it
   * and returns the first charge, or is refused when it charges otherwise; a call charged before
   * migration V5 has transfers of its own instead ({@link #shareId}, {@link #feeId}), found the
   * same way (looked for only when {@code directChargesBeforeV5}: migration V6's fact that the store holds such calls). The caller
   * must still be able to cover {@code reservation}'s amount, as if it had been reserved. A charge
   * of 0 writes nothing.
   */
  static Outcome<ChargedCall> chargeDirectly(LedgerTx tx, Transfer reservation, String callId, String nodeOwner,
      long charge, String operator, int feeBasisPoints, long now, boolean directChargesBeforeV5) throws SQLException {
    String caller = reservation.debitAccount();
    long fee = Ledger.fee(charge, feeBasisPoints);
    long share = charge - fee;
    CallCharge earlier = tx.findCall(callId);
    if (earlier != null) {
      if (!earlier.sameAs(new CallCharge(callId, caller, nodeOwner, operator, charge, fee, null, null, now))) {
        return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was already charged, with another caller, node "
            + "owner, operator, charge or fee (" + earlier + ")");
      }
      return Outcome.ok(new ChargedCall(earlier, reservation.amount(), null));
    }
    if (directChargesBeforeV5) {
      Outcome<ChargedCall> before = chargedBeforeV5(tx, reservation, callId, nodeOwner, charge, operator, fee, now);
      if (before != null) {
        return before;
      }
    }
    if (charge > reservation.amount()) {
      return Outcome.refused(LedgerError.EXCEEDS_PENDING, "call '" + callId + "' may cost at most " + reservation.amount()
          + "; the charge is " + charge);
    }
    Map<String, LedgerTx.AccountRow> rows = tx.lock(caller, nodeOwner, operator);
    for (String account : List.of(caller, nodeOwner, operator)) {
      if (!rows.containsKey(account)) {
        return Outcome.refused(LedgerError.UNKNOWN_ACCOUNT, "no account '" + account + "'");
      }
    }
    LedgerTx.AccountRow debit = rows.get(caller);
    long available = debit.available();
    if (debit.constrained && reservation.amount() > available) {
      return Outcome.refused(LedgerError.INSUFFICIENT_CREDITS, "account '" + caller + "' has " + available
          + " available; call '" + callId + "' may cost " + reservation.amount());
    }
    if (charge == 0) {
      return Outcome.ok(new ChargedCall(null, reservation.amount(),
          new Ledger.Settlement(callId, caller, nodeOwner, operator, reservation.amount(), 0, 0, List.of())));
    }
    try {
      debit.debitsPosted = Math.addExact(debit.debitsPosted, charge);
      rows.get(nodeOwner).creditsPosted = Math.addExact(rows.get(nodeOwner).creditsPosted, share);
      rows.get(operator).creditsPosted = Math.addExact(rows.get(operator).creditsPosted, fee);
    } catch (ArithmeticException e) {
      return Outcome.refused(LedgerError.OVERFLOW, "call '" + callId + "''s charge of " + charge + " would overflow an account's totals");
    }
    return Outcome.ok(new ChargedCall(tx.charge(callId, caller, nodeOwner, operator, charge, fee, reservation.tag(), now),
        reservation.amount(), null));
  }

  /** The charge of a call that {@link #chargeDirectly} wrote before migration V5, as transfers of its own; null if none. */
  private static Outcome<ChargedCall> chargedBeforeV5(LedgerTx tx, Transfer reservation, String callId, String nodeOwner, long charge,
      String operator, long fee, long now) throws SQLException {
    String pendingId = reservation.id();
    String caller = reservation.debitAccount();
    Transfer storedShare = tx.find(shareId(pendingId));
    Transfer storedFee = tx.find(feeId(pendingId));
    if (storedShare == null && storedFee == null) {
      return null;
    }
    List<Transfer> wanted = new ArrayList<>(2);
    if (charge - fee > 0) {
      wanted.add(new Transfer(shareId(pendingId), Transfer.Kind.TRANSFER, caller, nodeOwner, charge - fee, null, "share",
          reservation.tag(), now));
    }
    if (fee > 0) {
      wanted.add(new Transfer(feeId(pendingId), Transfer.Kind.TRANSFER, caller, operator, fee, null, "fee", reservation.tag(), now));
    }
    List<Transfer> stored = new ArrayList<>(2);
    if (storedShare != null) {
      stored.add(storedShare);
    }
    if (storedFee != null) {
      stored.add(storedFee);
    }
    boolean same = stored.size() == wanted.size();
    for (int i = 0; same && i < stored.size(); i++) {
      same = stored.get(i).sameAs(wanted.get(i));
    }
    if (!same) {
      return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was already charged, with another caller, node "
          + "owner, operator, charge or fee (" + stored + ")");
    }
    return Outcome.ok(new ChargedCall(null, reservation.amount(),
        new Ledger.Settlement(callId, caller, nodeOwner, operator, reservation.amount(), charge, fee, stored)));
  }

  /** Creates {@code t} (a TRANSFER posted at once, or a PENDING one); the same transfer again returns the first. */
  static Outcome<Transfer> create(LedgerTx tx, Transfer t) throws SQLException {
    Map<String, LedgerTx.AccountRow> rows = tx.lock(t.debitAccount(), t.creditAccount());
    Transfer existing = tx.find(t.id());
    if (existing != null) {
      return existing.sameAs(t) ? Outcome.ok(existing) : reused(existing);
    }
    LedgerTx.AccountRow debit = rows.get(t.debitAccount());
    LedgerTx.AccountRow credit = rows.get(t.creditAccount());
    if (debit == null || credit == null) {
      return Outcome.refused(LedgerError.UNKNOWN_ACCOUNT, "no account '" + (debit == null ? t.debitAccount() : t.creditAccount()) + "'");
    }
    long available = debit.available();
    if (debit.constrained && t.amount() > available) {
      return Outcome.refused(LedgerError.INSUFFICIENT_CREDITS, "account '" + debit.id + "' has " + available
          + " available; transfer '" + t.id() + "' needs " + t.amount());
    }
    try {
      if (t.kind() == Transfer.Kind.PENDING) {
        debit.debitsPending = Math.addExact(debit.debitsPending, t.amount());
        credit.creditsPending = Math.addExact(credit.creditsPending, t.amount());
      } else {
        debit.debitsPosted = Math.addExact(debit.debitsPosted, t.amount());
        credit.creditsPosted = Math.addExact(credit.creditsPosted, t.amount());
      }
    } catch (ArithmeticException e) {
      return overflow(t);
    }
    tx.insert(List.of(t));
    return Outcome.ok(t);
  }

  /** Posts {@code amount} of the PENDING transfer {@code pendingId}, or voids it, as transfer {@code id}; a repeat returns the first. */
  static Outcome<Transfer> settle(LedgerTx tx, String id, String pendingId, boolean post, long amount, long now)
      throws SQLException {
    Transfer pending = tx.find(pendingId);
    if (pending == null || pending.kind() != Transfer.Kind.PENDING) {
      return Outcome.refused(LedgerError.UNKNOWN_PENDING, pending == null ? "no transfer '" + pendingId + "'"
          : "transfer '" + pendingId + "' is a " + pending.kind() + ", not a PENDING one");
    }
    Map<String, LedgerTx.AccountRow> rows = tx.lock(pending.debitAccount(), pending.creditAccount());
    Transfer wanted = settlement(id, pending, post, post ? amount : pending.amount(), now);
    Transfer existing = tx.find(id);
    if (existing != null) {
      if (existing.sameAs(wanted)) {
        return Outcome.ok(existing);
      }
      return pendingId.equals(existing.pendingId()) ? alreadySettled(existing) : reused(existing);
    }
    Transfer earlier = tx.settlementOf(pendingId);
    if (earlier != null) {
      return alreadySettled(earlier);
    }
    if (post && amount > pending.amount()) {
      return Outcome.refused(LedgerError.EXCEEDS_PENDING, "transfer '" + pendingId + "' reserved " + pending.amount()
          + "; post '" + id + "' asks for " + amount);
    }
    LedgerTx.AccountRow debit = rows.get(pending.debitAccount());
    LedgerTx.AccountRow credit = rows.get(pending.creditAccount());
    debit.debitsPending -= pending.amount();
    credit.creditsPending -= pending.amount();
    if (post) {
      try {
        debit.debitsPosted = Math.addExact(debit.debitsPosted, amount);
        credit.creditsPosted = Math.addExact(credit.creditsPosted, amount);
      } catch (ArithmeticException e) {
        return overflow(wanted); // the batch undoes the pending part
      }
    }
    tx.insert(List.of(wanted));
    return Outcome.ok(wanted);
  }

  /**
   * Settles a call's reservation: the charge posted to the clearing account, then paid out from it
   * as the node owner's share and the operator's fee; a repeat with the same figures returns the first.
   */
  static Outcome<Ledger.Settlement> settleCall(LedgerTx tx, String callId, String nodeOwner, long charge, String operator,
      int feeBasisPoints, long now) throws SQLException {
    String pendingId = Ledger.callReservationId(callId);
    Transfer pending = tx.find(pendingId);
    if (pending == null || pending.kind() != Transfer.Kind.PENDING || !Ledger.CLEARING.equals(pending.creditAccount())) {
      return Outcome.refused(LedgerError.UNKNOWN_PENDING, "call '" + callId + "' has no reservation");
    }
    long fee = Ledger.fee(charge, feeBasisPoints);
    long share = charge - fee;
    Map<String, LedgerTx.AccountRow> rows = tx.lock(pending.debitAccount(), Ledger.CLEARING, nodeOwner, operator);
    for (String account : List.of(nodeOwner, operator)) {
      if (!rows.containsKey(account)) {
        return Outcome.refused(LedgerError.UNKNOWN_ACCOUNT, "no account '" + account + "'");
      }
    }
    List<Transfer> wanted = new ArrayList<>();
    String settleId = Ledger.settlementId(pendingId);
    wanted.add(settlement(settleId, pending, charge > 0, charge > 0 ? charge : pending.amount(), now));
    if (share > 0) {
      wanted.add(new Transfer(shareId(pendingId), Transfer.Kind.TRANSFER, Ledger.CLEARING, nodeOwner, share, null, "share", null, now));
    }
    if (fee > 0) {
      wanted.add(new Transfer(feeId(pendingId), Transfer.Kind.TRANSFER, Ledger.CLEARING, operator, fee, null, "fee", null, now));
    }
    Transfer existing = tx.find(settleId);
    if (existing != null) {
      if (!existing.sameAs(wanted.get(0))) {
        return alreadySettled(existing);
      }
      List<Transfer> found = new ArrayList<>(List.of(existing));
      for (Transfer t : wanted.subList(1, wanted.size())) {
        Transfer stored = tx.find(t.id());
        if (stored == null || !stored.sameAs(t)) {
          return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was settled with another node owner, "
              + "operator or fee (" + (stored == null ? "no " + t.code() : stored) + ")");
        }
        found.add(stored);
      }
      return Outcome.ok(new Ledger.Settlement(callId, pending.debitAccount(), nodeOwner, operator, pending.amount(), charge, fee, found));
    }
    CallCharge charged = tx.findCall(callId);
    if (charged != null) {
      return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was already charged without its reservation (" + charged + ")");
    }
    for (String payout : List.of(shareId(pendingId), feeId(pendingId))) { // as chargeCall wrote it before migration V5
      Transfer taken = tx.find(payout);
      if (taken != null) {
        return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was already charged without its reservation (" + taken + ")");
      }
    }
    if (charge > pending.amount()) {
      return Outcome.refused(LedgerError.EXCEEDS_PENDING, "call '" + callId + "' reserved " + pending.amount() + "; the charge is " + charge);
    }
    LedgerTx.AccountRow caller = rows.get(pending.debitAccount());
    LedgerTx.AccountRow clearing = rows.get(Ledger.CLEARING);
    caller.debitsPending -= pending.amount();
    clearing.creditsPending -= pending.amount();
    try {
      caller.debitsPosted = Math.addExact(caller.debitsPosted, charge);
      clearing.creditsPosted = Math.addExact(clearing.creditsPosted, charge);
      clearing.debitsPosted = Math.addExact(clearing.debitsPosted, charge);
      rows.get(nodeOwner).creditsPosted = Math.addExact(rows.get(nodeOwner).creditsPosted, share);
      rows.get(operator).creditsPosted = Math.addExact(rows.get(operator).creditsPosted, fee);
    } catch (ArithmeticException e) {
      return overflow(wanted.get(0)); // the batch undoes what was changed
    }
    tx.insert(wanted);
    return Outcome.ok(new Ledger.Settlement(callId, pending.debitAccount(), nodeOwner, operator, pending.amount(), charge, fee, wanted));
  }

  /** The POST or VOID of {@code pending} with id {@code id}. */
  private static Transfer settlement(String id, Transfer pending, boolean post, long amount, long now) {
    return new Transfer(id, post ? Transfer.Kind.POST : Transfer.Kind.VOID, pending.debitAccount(), pending.creditAccount(), amount,
        pending.id(), pending.code(), pending.tag(), now);
  }

  /** The refusal of a transfer whose id another transfer, with other fields, already has. */
  static <T> Outcome<T> reused(Transfer existing) {
    return Outcome.refused(LedgerError.ID_REUSED, "transfer '" + existing.id() + "' exists with other fields: " + existing);
  }

  private static <T> Outcome<T> alreadySettled(Transfer settlement) {
    boolean posted = settlement.kind() == Transfer.Kind.POST;
    return Outcome.refused(posted ? LedgerError.ALREADY_POSTED : LedgerError.ALREADY_VOIDED, "transfer '" + settlement.pendingId()
        + "' was already " + (posted ? "posted (" + settlement.amount() + ")" : "voided") + " by '" + settlement.id() + "'");
  }

  private static <T> Outcome<T> overflow(Transfer t) {
    return Outcome.refused(LedgerError.OVERFLOW, "transfer '" + t.id() + "' of " + t.amount() + " would overflow an account's totals");
  }
}
