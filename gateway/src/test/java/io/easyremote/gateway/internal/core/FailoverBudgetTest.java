package io.easyremote.gateway.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailoverBudgetTest {
  @Test
  void outage_spendsTheBankedTokensThenOnlyTheFloorPerSecond() {
    FailoverBudget budget = new FailoverBudget(0.2, 10, 100, 0);
    int granted = 0;
    while (budget.tryFailover(0)) {
      granted++;
    }
    assertThat(granted).as("half the cap is banked at start").isEqualTo(50);
    int inOneSecond = 0;
    for (long t = 1; t <= 1_000; t++) {
      if (budget.tryFailover(t * 1_000_000L)) {
        inOneSecond++;
      }
    }
    assertThat(inOneSecond).isEqualTo(10);
  }

  @Test
  void calls_earnAShareOfAFailoverUpToTheCap() {
    FailoverBudget budget = new FailoverBudget(0.2, 0, 100, 0);
    for (int i = 0; i < 10_000; i++) {
      budget.onCall();
    }
    int granted = 0;
    while (budget.tryFailover(0)) {
      granted++;
    }
    assertThat(granted).isEqualTo(100);
  }
}
