package io.easyremote.store.internal;

import io.easyremote.store.Account;
import io.easyremote.store.CallCharge;
import io.easyremote.store.Ledger;
import io.easyremote.store.Transfer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledger's statements outside its batches: the reads behind {@link Ledger}'s
 * queries and the audit, and opening an account. Each runs on the connection it is given, in the
 * transaction its caller chose; none changes a balance.
 */
public final class LedgerQueries {
  private static final String ACCOUNT_COLUMNS = "id, flags, debits_pending, debits_posted, credits_pending, credits_posted";
  private static final String TRANSFER_COLUMNS = LedgerTx.TRANSFER_COLUMNS;

  private LedgerQueries() {}

  // ---------------------------------------------------------------- accounts

  /** Creates a constrained account unless it exists; returns it either way. */
  public static Outcome<Account> openAccount(Connection c, String id, long now) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_accounts (id, flags, created_at) VALUES (?, ?, ?) "
        + "ON CONFLICT (id) DO NOTHING")) {
      s.setString(1, id);
      s.setInt(2, LedgerTx.CONSTRAINED);
      s.setLong(3, now);
      s.executeUpdate();
    }
    return Outcome.ok(account(c, id));
  }

  /** The account, or null. */
  public static Account account(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM easyremote_accounts WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? new LedgerTx.AccountRow(r).account() : null;
      }
    }
  }

  /** Every account, by name. */
  public static List<Account> accounts(Connection c) throws SQLException {
    List<Account> all = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM easyremote_accounts ORDER BY id");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        all.add(new LedgerTx.AccountRow(r).account());
      }
    }
    return all;
  }

  // ---------------------------------------------------------------- transfers

  /** Reservations not yet posted or voided, older than {@code before}, oldest first. */
  public static List<Transfer> openPendings(Connection c, String tag, long before, int limit) throws SQLException {
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
  public static Transfer find(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? transfer(r) : null;
      }
    }
  }

  /** How call {@code callId} was charged in one request, or null. */
  public static CallCharge findCall(Connection c, String callId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + LedgerTx.CALL_CHARGE_COLUMNS + " FROM easyremote_call_charges "
        + "WHERE call_id = ?")) {
      s.setString(1, callId);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? LedgerTx.callCharge(r) : null;
      }
    }
  }

  /** Every call charged in one request, in no particular order, for the audit. */
  public static void forEachCallCharge(Connection c, SqlConsumer<CallCharge> each) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + LedgerTx.CALL_CHARGE_COLUMNS + " FROM easyremote_call_charges")) {
      s.setFetchSize(1000);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          each.accept(LedgerTx.callCharge(r));
        }
      }
    }
  }

  /**
   * The newest {@code limit} transfers that debit or credit {@code account}, newest first. Through
   * the per-account indexes, which leave out the clearing account (migration V3): its statement
   * scans the table.
   */
  public static List<Transfer> recent(Connection c, String account, int limit) throws SQLException {
    List<Transfer> list = new ArrayList<>();
    String where = Ledger.CLEARING.equals(account) ? "debit_account = ? OR credit_account = ?"
        : "(debit_account = ? AND debit_account <> '" + Ledger.CLEARING + "') OR (credit_account = ? AND credit_account <> '"
            + Ledger.CLEARING + "')"; // the indexes' own conditions, so that both databases use them
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers "
        + "WHERE " + where + " ORDER BY seq DESC LIMIT ?")) {
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
  public static long granted(Connection c, String account) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(amount), 0) FROM easyremote_transfers "
        + "WHERE credit_account = ? AND credit_account <> '" + Ledger.CLEARING + "' AND debit_account = ? AND kind = 'TRANSFER'")) {
      s.setString(1, account);
      s.setString(2, Ledger.MINT);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  /** Every transfer in the order written, for the audit. */
  public static void forEachTransfer(Connection c, SqlConsumer<Transfer> each) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers ORDER BY seq")) {
      s.setFetchSize(1000);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          each.accept(transfer(r));
        }
      }
    }
  }

  /** Every running tally ({@code easyremote_open_tallies}), for the audit. */
  public static void forEachOpenTally(Connection c, OpenTallyConsumer each) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT debit_account, credit_account, code, amount FROM easyremote_open_tallies");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        each.accept(r.getString(1), r.getString(2), r.getString(3), r.getLong(4));
      }
    }
  }

  /** What {@link #forEachOpenTally} hands over: a running tally's accounts, code and sum. */
  @FunctionalInterface
  public interface OpenTallyConsumer {
    void accept(String debit, String credit, String code, long amount);
  }

  /** The ids of the reservations the recovery index holds open. */
  public static List<String> openPendingIds(Connection c) throws SQLException {
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

  private static String prefixed(String prefix) {
    return prefix + TRANSFER_COLUMNS.replace(", ", ", " + prefix);
  }

  static Transfer transfer(ResultSet r) throws SQLException {
    return new Transfer(r.getString(1), Transfer.Kind.valueOf(r.getString(2)), r.getString(3), r.getString(4), r.getLong(5),
        r.getString(6), r.getString(7), r.getString(8), r.getLong(9));
  }
}
