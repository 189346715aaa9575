package io.easyremote.store.internal;

import io.easyremote.store.Account;
import io.easyremote.store.Ledger;
import io.easyremote.store.LedgerError;
import io.easyremote.store.Transfer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ledger's operations on one connection, inside the transaction of a group commit. Each one
 * reads and checks everything first and writes only when nothing is refused, so a refusal needs no
 * rollback and does not disturb the other writes of its batch. On PostgreSQL the accounts a
 * transfer touches are locked ({@code FOR UPDATE}, in name order) before anything is checked, so
 * gateways sharing one database never overdraw an account or settle a reservation twice; on SQLite
 * the store's single writer serialises everything already. Stateless and thread-safe.
 */
public final class LedgerEngine {
  static final String TRANSFER_COLUMNS = "id, kind, debit_account, credit_account, amount, pending_id, code, tag, created_at";
  private static final String ACCOUNT_COLUMNS = "id, flags, debits_pending, debits_posted, credits_pending, credits_posted";
  private static final int CONSTRAINED = 1;

  private final String lockSuffix;

  /** @param lockRows whether to lock account rows ({@code SELECT ... FOR UPDATE}; PostgreSQL) */
  public LedgerEngine(boolean lockRows) {
    this.lockSuffix = lockRows ? " FOR UPDATE" : "";
  }

  /** An account row, copied for one operation and written back when it changed. */
  private static final class Row {
    final String id;
    final boolean constrained;
    long debitsPending;
    long debitsPosted;
    long creditsPending;
    long creditsPosted;

    Row(ResultSet r) throws SQLException {
      id = r.getString(1);
      constrained = (r.getInt(2) & CONSTRAINED) != 0;
      debitsPending = r.getLong(3);
      debitsPosted = r.getLong(4);
      creditsPending = r.getLong(5);
      creditsPosted = r.getLong(6);
    }

    long available() {
      return creditsPosted - debitsPosted - debitsPending;
    }

    Account account() {
      return new Account(id, constrained, debitsPending, debitsPosted, creditsPending, creditsPosted);
    }
  }

  // ---------------------------------------------------------------- accounts

  /** Creates a constrained account unless it exists; returns it either way. */
  public Outcome<Account> openAccount(Connection c, String id, long now) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_accounts (id, flags, created_at) VALUES (?, ?, ?) "
        + "ON CONFLICT (id) DO NOTHING")) {
      s.setString(1, id);
      s.setInt(2, CONSTRAINED);
      s.setLong(3, now);
      s.executeUpdate();
    }
    return Outcome.ok(account(c, id));
  }

  /** The account, or null. */
  public Account account(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM easyremote_accounts WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? new Row(r).account() : null;
      }
    }
  }

  /** Every account, by name. */
  public List<Account> accounts(Connection c) throws SQLException {
    List<Account> all = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM easyremote_accounts ORDER BY id");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        all.add(new Row(r).account());
      }
    }
    return all;
  }

  /** Locks (PostgreSQL) and reads these accounts in name order; absent ones are missing from the map. */
  private Map<String, Row> lock(Connection c, String... ids) throws SQLException {
    Map<String, Row> rows = new TreeMap<>();
    try (PreparedStatement s = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM easyremote_accounts WHERE id = ?" + lockSuffix)) {
      for (String id : new TreeSet<>(List.of(ids))) {
        s.setString(1, id);
        try (ResultSet r = s.executeQuery()) {
          if (r.next()) {
            rows.put(id, new Row(r));
          }
        }
      }
    }
    return rows;
  }

  private static void save(Connection c, Map<String, Row> rows) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE easyremote_accounts SET debits_pending = ?, debits_posted = ?, "
        + "credits_pending = ?, credits_posted = ? WHERE id = ?")) {
      for (Row row : rows.values()) {
        s.setLong(1, row.debitsPending);
        s.setLong(2, row.debitsPosted);
        s.setLong(3, row.creditsPending);
        s.setLong(4, row.creditsPosted);
        s.setString(5, row.id);
        s.executeUpdate();
      }
    }
  }

  // ---------------------------------------------------------------- transfers

  /** A TRANSFER (posted at once) or a PENDING transfer (reserved), as {@code t} asks. */
  public Outcome<Transfer> create(Connection c, Transfer t) throws SQLException {
    Map<String, Row> rows = lock(c, t.debitAccount(), t.creditAccount());
    Transfer existing = find(c, t.id());
    if (existing != null) {
      return existing.sameAs(t) ? Outcome.ok(existing) : reused(existing);
    }
    Row debit = rows.get(t.debitAccount());
    Row credit = rows.get(t.creditAccount());
    if (debit == null || credit == null) {
      return Outcome.refused(LedgerError.UNKNOWN_ACCOUNT, "no account '" + (debit == null ? t.debitAccount() : t.creditAccount()) + "'");
    }
    long available = debit.available();
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
    if (debit.constrained && t.amount() > available) {
      return Outcome.refused(LedgerError.INSUFFICIENT_CREDITS, "account '" + debit.id + "' has " + available
          + " available; transfer '" + t.id() + "' needs " + t.amount());
    }
    insert(c, t);
    if (t.kind() == Transfer.Kind.PENDING) {
      openPending(c, t);
    }
    save(c, rows);
    return Outcome.ok(t);
  }

  /**
   * Settles the PENDING transfer {@code pendingId}: posts {@code amount} of it (releasing the rest)
   * when {@code post}, or voids it.
   */
  public Outcome<Transfer> settle(Connection c, String id, String pendingId, boolean post, long amount, long now) throws SQLException {
    Transfer pending = find(c, pendingId);
    if (pending == null || pending.kind() != Transfer.Kind.PENDING) {
      return Outcome.refused(LedgerError.UNKNOWN_PENDING, pending == null ? "no transfer '" + pendingId + "'"
          : "transfer '" + pendingId + "' is a " + pending.kind() + ", not a PENDING one");
    }
    Map<String, Row> rows = lock(c, pending.debitAccount(), pending.creditAccount());
    Transfer wanted = settlement(id, pending, post, post ? amount : pending.amount(), now);
    Transfer existing = find(c, id);
    if (existing != null) {
      if (existing.sameAs(wanted)) {
        return Outcome.ok(existing);
      }
      return pendingId.equals(existing.pendingId()) ? alreadySettled(existing) : reused(existing);
    }
    Transfer earlier = settlementOf(c, pendingId);
    if (earlier != null) {
      return alreadySettled(earlier);
    }
    if (post && amount > pending.amount()) {
      return Outcome.refused(LedgerError.EXCEEDS_PENDING, "transfer '" + pendingId + "' reserved " + pending.amount()
          + "; post '" + id + "' asks for " + amount);
    }
    Row debit = rows.get(pending.debitAccount());
    Row credit = rows.get(pending.creditAccount());
    debit.debitsPending -= pending.amount();
    credit.creditsPending -= pending.amount();
    if (post) {
      try {
        debit.debitsPosted = Math.addExact(debit.debitsPosted, amount);
        credit.creditsPosted = Math.addExact(credit.creditsPosted, amount);
      } catch (ArithmeticException e) {
        return overflow(wanted);
      }
    }
    insert(c, wanted);
    closePending(c, pendingId);
    save(c, rows);
    return Outcome.ok(wanted);
  }

  /**
   * Settles a call's reservation in one step: posts {@code charge} from the caller to the clearing
   * account (releasing the rest of the reservation), then pays the node owner its share and the
   * operator its fee out of clearing; a charge of 0 voids the reservation instead.
   */
  public Outcome<Ledger.Settlement> settleCall(Connection c, String callId, String nodeOwner, long charge, String operator,
      int feeBasisPoints, long now) throws SQLException {
    String pendingId = Ledger.callReservationId(callId);
    Transfer pending = find(c, pendingId);
    if (pending == null || pending.kind() != Transfer.Kind.PENDING || !Ledger.CLEARING.equals(pending.creditAccount())) {
      return Outcome.refused(LedgerError.UNKNOWN_PENDING, "call '" + callId + "' has no reservation");
    }
    long fee = Ledger.fee(charge, feeBasisPoints);
    long share = charge - fee;
    Map<String, Row> rows = lock(c, pending.debitAccount(), Ledger.CLEARING, nodeOwner, operator);
    for (String account : List.of(nodeOwner, operator)) {
      if (!rows.containsKey(account)) {
        return Outcome.refused(LedgerError.UNKNOWN_ACCOUNT, "no account '" + account + "'");
      }
    }
    List<Transfer> wanted = new ArrayList<>();
    String settleId = Ledger.settlementId(pendingId);
    wanted.add(settlement(settleId, pending, charge > 0, charge > 0 ? charge : pending.amount(), now));
    if (share > 0) {
      wanted.add(new Transfer(pendingId + ":share", Transfer.Kind.TRANSFER, Ledger.CLEARING, nodeOwner, share, null, "share", null, now));
    }
    if (fee > 0) {
      wanted.add(new Transfer(pendingId + ":fee", Transfer.Kind.TRANSFER, Ledger.CLEARING, operator, fee, null, "fee", null, now));
    }
    Ledger.Settlement result = new Ledger.Settlement(callId, pending.debitAccount(), nodeOwner, operator, pending.amount(), charge, fee,
        wanted);
    Transfer existing = find(c, settleId);
    if (existing != null) {
      if (!existing.sameAs(wanted.get(0))) {
        return alreadySettled(existing);
      }
      List<Transfer> found = new ArrayList<>(List.of(existing));
      for (Transfer t : wanted.subList(1, wanted.size())) {
        Transfer stored = find(c, t.id());
        if (stored == null || !stored.sameAs(t)) {
          return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was settled with another node owner, "
              + "operator or fee (" + (stored == null ? "no " + t.code() : stored) + ")");
        }
        found.add(stored);
      }
      return Outcome.ok(new Ledger.Settlement(callId, pending.debitAccount(), nodeOwner, operator, pending.amount(), charge, fee, found));
    }
    Transfer earlier = settlementOf(c, pendingId);
    if (earlier != null) {
      return alreadySettled(earlier);
    }
    if (charge > pending.amount()) {
      return Outcome.refused(LedgerError.EXCEEDS_PENDING, "call '" + callId + "' reserved " + pending.amount() + "; the charge is " + charge);
    }
    Row caller = rows.get(pending.debitAccount());
    Row clearing = rows.get(Ledger.CLEARING);
    caller.debitsPending -= pending.amount();
    clearing.creditsPending -= pending.amount();
    try {
      caller.debitsPosted = Math.addExact(caller.debitsPosted, charge);
      clearing.creditsPosted = Math.addExact(clearing.creditsPosted, charge);
      clearing.debitsPosted = Math.addExact(clearing.debitsPosted, charge);
      rows.get(nodeOwner).creditsPosted = Math.addExact(rows.get(nodeOwner).creditsPosted, share);
      rows.get(operator).creditsPosted = Math.addExact(rows.get(operator).creditsPosted, fee);
    } catch (ArithmeticException e) {
      return overflow(wanted.get(0));
    }
    for (Transfer t : wanted) {
      insert(c, t);
    }
    closePending(c, pendingId);
    save(c, rows);
    return Outcome.ok(result);
  }

  /**
   * Voids up to {@code limit} reservations older than {@code before} (and tagged {@code tag},
   * unless null), oldest first; each void's id is {@link Ledger#settlementId}. Returns the voids.
   */
  public List<Transfer> voidDangling(Connection c, String tag, long before, int limit, long now) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT id FROM easyremote_open_pendings WHERE created_at < ?"
        + (tag == null ? "" : " AND tag = ?") + " ORDER BY created_at, id LIMIT ?")) {
      s.setLong(1, before);
      int i = 2;
      if (tag != null) {
        s.setString(i++, tag);
      }
      s.setInt(i, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          ids.add(r.getString(1));
        }
      }
    }
    List<Transfer> voids = new ArrayList<>();
    for (String id : ids) {
      Outcome<Transfer> voided = settle(c, Ledger.settlementId(id), id, false, 0, now);
      if (voided.error() == null) {
        voids.add(voided.value());
      } else { // its settlement id was taken by another transfer: leave it for an operator, never loop on it
        closePending(c, id);
      }
    }
    return voids;
  }

  /** Reservations not yet posted or voided, older than {@code before}, oldest first. */
  public List<Transfer> openPendings(Connection c, String tag, long before, int limit) throws SQLException {
    List<Transfer> open = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT " + prefixed("t.") + " FROM easyremote_open_pendings o "
        + "JOIN easyremote_transfers t ON t.id = o.id WHERE o.created_at < ?" + (tag == null ? "" : " AND o.tag = ?")
        + " ORDER BY o.created_at, o.id LIMIT ?")) {
      s.setLong(1, before);
      int i = 2;
      if (tag != null) {
        s.setString(i++, tag);
      }
      s.setInt(i, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          open.add(transfer(r));
        }
      }
    }
    return open;
  }

  /** The transfer, or null. */
  public Transfer find(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? transfer(r) : null;
      }
    }
  }

  /** The POST or VOID of {@code pendingId}, or null while it is open. */
  public Transfer settlementOf(Connection c, String pendingId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers WHERE pending_id = ?")) {
      s.setString(1, pendingId);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? transfer(r) : null;
      }
    }
  }

  /** The newest {@code limit} transfers that debit or credit {@code account}, newest first. */
  public List<Transfer> recent(Connection c, String account, int limit) throws SQLException {
    List<Transfer> list = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers "
        + "WHERE debit_account = ? OR credit_account = ? ORDER BY seq DESC LIMIT ?")) {
      s.setString(1, account);
      s.setString(2, account);
      s.setInt(3, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          list.add(transfer(r));
        }
      }
    }
    return list;
  }

  /** What the mint granted {@code account} in all. */
  public long granted(Connection c, String account) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(amount), 0) FROM easyremote_transfers "
        + "WHERE credit_account = ? AND debit_account = ? AND kind = 'TRANSFER'")) {
      s.setString(1, account);
      s.setString(2, Ledger.MINT);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  /** Every transfer in the order written, for the audit. */
  public void forEachTransfer(Connection c, SqlConsumer<Transfer> each) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers ORDER BY seq")) {
      s.setFetchSize(1000);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          each.accept(transfer(r));
        }
      }
    }
  }

  /** The ids of the reservations the recovery index holds open. */
  public List<String> openPendingIds(Connection c) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT id FROM easyremote_open_pendings ORDER BY id"); ResultSet r = s.executeQuery()) {
      while (r.next()) {
        ids.add(r.getString(1));
      }
    }
    return ids;
  }

  /** A consumer that may throw {@link SQLException}. */
  @FunctionalInterface
  public interface SqlConsumer<T> {
    void accept(T value) throws SQLException;
  }

  // ---------------------------------------------------------------- helpers

  private static Transfer settlement(String id, Transfer pending, boolean post, long amount, long now) {
    return new Transfer(id, post ? Transfer.Kind.POST : Transfer.Kind.VOID, pending.debitAccount(), pending.creditAccount(), amount,
        pending.id(), pending.code(), pending.tag(), now);
  }

  private static <T> Outcome<T> reused(Transfer existing) {
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

  private static void insert(Connection c, Transfer t) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_transfers (" + TRANSFER_COLUMNS + ") VALUES "
        + "(?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, t.id());
      s.setString(2, t.kind().name());
      s.setString(3, t.debitAccount());
      s.setString(4, t.creditAccount());
      s.setLong(5, t.amount());
      nullable(s, 6, t.pendingId());
      s.setString(7, t.code());
      nullable(s, 8, t.tag());
      s.setLong(9, t.createdAt());
      s.executeUpdate();
    }
  }

  private static void openPending(Connection c, Transfer t) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_open_pendings (id, tag, created_at) VALUES (?, ?, ?)")) {
      s.setString(1, t.id());
      nullable(s, 2, t.tag());
      s.setLong(3, t.createdAt());
      s.executeUpdate();
    }
  }

  private static void closePending(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM easyremote_open_pendings WHERE id = ?")) {
      s.setString(1, id);
      s.executeUpdate();
    }
  }

  private static void nullable(PreparedStatement s, int index, String value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.VARCHAR);
    } else {
      s.setString(index, value);
    }
  }

  private static String prefixed(String prefix) {
    return prefix + TRANSFER_COLUMNS.replace(", ", ", " + prefix);
  }

  private static Transfer transfer(ResultSet r) throws SQLException {
    return new Transfer(r.getString(1), Transfer.Kind.valueOf(r.getString(2)), r.getString(3), r.getString(4), r.getLong(5),
        r.getString(6), r.getString(7), r.getString(8), r.getLong(9));
  }
}
