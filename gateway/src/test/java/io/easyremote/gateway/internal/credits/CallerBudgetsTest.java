package io.easyremote.gateway.internal.credits;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.store.Account;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The in-memory balances that admit paid calls without waiting for the ledger. */
class CallerBudgetsTest {
  private final CallerBudgets budgets = new CallerBudgets(id -> id.equals("alice")
      ? Optional.of(new Account("alice", true, 0, 0, 0, 300)) : Optional.empty());

  @Test
  void holds_upToTheBalance_includingHoldsNotYetReserved() {
    budgets.load("alice");
    assertThat(budgets.tryHold("alice", 200)).isTrue();
    assertThat(budgets.tryHold("alice", 101)).as("200 held of 300").isFalse();
    assertThat(budgets.tryHold("alice", 100)).isTrue();
    assertThat(budgets.spendable("alice")).isZero();
  }

  @Test
  void reservationCommitted_keepsTheHold_settlementReleasesTheRest_refusalGivesItBack() {
    budgets.load("alice");
    budgets.tryHold("alice", 200);
    budgets.reserved("alice", 200); // now in the ledger's reserved amount
    assertThat(budgets.spendable("alice")).isEqualTo(100);
    budgets.released("alice", 150); // charged 50 of 200
    assertThat(budgets.spendable("alice")).isEqualTo(250);
    budgets.tryHold("alice", 250);
    budgets.refused("alice", 250); // the ledger refused it (another gateway spent it)
    assertThat(budgets.spendable("alice")).isEqualTo(250);
  }

  @Test
  void unknownAccount_holdsNothing_untilSet() {
    budgets.load("mallory");
    assertThat(budgets.tryHold("mallory", 1)).isFalse();
    assertThat(budgets.spendable("mallory")).isEqualTo(-1);
    budgets.set("mallory", 5);
    assertThat(budgets.tryHold("mallory", 5)).isTrue();
  }

  @Test
  void set_replacesTheBalance_andKeepsHoldsNotYetReserved() {
    budgets.load("alice");
    budgets.tryHold("alice", 100);
    budgets.set("alice", 1_000); // a grant seen in order with the ledger's writes
    assertThat(budgets.spendable("alice")).isEqualTo(900);
  }
}
