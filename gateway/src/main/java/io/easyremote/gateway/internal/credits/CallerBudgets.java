package io.easyremote.gateway.internal.credits;

import io.easyremote.store.Account;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What each caller account may still spend, kept in memory so that a paid call is admitted or
 * refused at once, without waiting for the ledger ({@code docs/credits.md}, "Admission").
 *
 * <p>Per account: {@code available} follows the ledger's available balance as this gateway's own
 * committed requests change it, and {@code unreserved} sums the holds of admitted calls whose
 * reservation is not committed yet. A call is admitted when its most fits {@code available −
 * unreserved}. With one gateway on the store this is exact: every change to a caller's balance
 * goes through it (its reservations, settlements, voids and grants). Gateways sharing a
 * PostgreSQL store do not see each other's changes until {@link #set} reloads a balance (every
 * few seconds), and the ledger's own constraint refuses a reservation that an outdated view let
 * through (that call's result is withheld: see {@code Billing}).
 *
 * <p>Thread-safe: each account's numbers change under its own monitor.
 */
final class CallerBudgets {
  private final Map<String, Budget> budgets = new ConcurrentHashMap<>();
  private final Function<String, Optional<Account>> load;

  private static final class Budget {
    long available;
    long unreserved;

    Budget(long available) {
      this.available = available;
    }
  }

  /** @param load reads an account from the ledger (blocking: used at start) */
  CallerBudgets(Function<String, Optional<Account>> load) {
    this.load = load;
  }

  /** Loads {@code account}'s balance (at start, before any call; blocking). */
  void load(String account) {
    load.apply(account).ifPresent(a -> budgets.put(account, new Budget(a.available())));
  }

  /** Holds {@code amount} for an admitted call: false (nothing held) when the account cannot cover it or is unknown. */
  boolean tryHold(String account, long amount) {
    Budget b = budgets.get(account);
    if (b == null) {
      return false;
    }
    synchronized (b) {
      if (b.available - b.unreserved < amount) {
        return false;
      }
      b.unreserved += amount;
      return true;
    }
  }

  /** The call's reservation committed: its hold is now part of the ledger's reserved amount. */
  void reserved(String account, long amount) {
    change(account, amount, -amount);
  }

  /** The call's reservation was refused or failed: its hold goes back. */
  void refused(String account, long amount) {
    change(account, 0, -amount);
  }

  /** A call held in memory only was reserved and settled in one request: its hold goes, and {@code charge} is spent. */
  void charged(String account, long held, long charge) {
    change(account, charge, -held);
  }

  /** A settlement or void committed: {@code released} (what was reserved and not charged) is available again. */
  void released(String account, long released) {
    change(account, -released, 0);
  }

  /** A grant through this gateway committed. */
  void granted(String account, long amount) {
    change(account, -amount, 0);
  }

  private void change(String account, long spent, long unreservedDelta) {
    Budget b = budgets.get(account);
    if (b == null) {
      return;
    }
    synchronized (b) {
      b.available -= spent;
      b.unreserved += unreservedDelta;
    }
  }

  /**
   * Sets {@code account}'s balance as the ledger has it after every request this gateway queued
   * before the read ({@code Ledger.accountInOrder}): reloads changes made elsewhere (another
   * gateway on a shared store, a grant).
   */
  void set(String account, long available) {
    Budget b = budgets.computeIfAbsent(account, a -> new Budget(available));
    synchronized (b) {
      b.available = available;
    }
  }

  /** What {@code account} may still hold now, or -1 when it is unknown (tests and the dashboard). */
  long spendable(String account) {
    Budget b = budgets.get(account);
    if (b == null) {
      return -1;
    }
    synchronized (b) {
      return b.available - b.unreserved;
    }
  }
}
