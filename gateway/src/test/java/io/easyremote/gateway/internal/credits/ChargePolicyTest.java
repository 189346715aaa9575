package io.easyremote.gateway.internal.credits;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

/** The charge policy of docs/credits.md: what the node did for the caller, never more than reserved. */
class ChargePolicyTest {
  private static final Price PRICE = new Price(100, 10);

  @Test
  void charge_successOrFunctionFailed_isPerCallPlusPerSecondOfExecution() {
    assertThat(ChargePolicy.charge(PRICE, 1_000, null, true, 2_500, 0)).isEqualTo(125);
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.FUNCTION_FAILED, true, 2_500, 0)).isEqualTo(125);
  }

  @Test
  void charge_deadlineOrCancelWhileRunning_isTheTimeItRan_withoutThePerCallPrice() {
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.DEADLINE_EXCEEDED, true, 3_000, 0)).isEqualTo(30);
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.CANCELLED, true, 999, 0)).isEqualTo(9);
  }

  @Test
  void charge_streamThatDeliveredItems_beforeItsDeadlineOrCancel_paysThePerCallPriceToo() {
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.CANCELLED, true, 999, 50)).isEqualTo(109);
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.DEADLINE_EXCEEDED, true, 3_000, 1)).isEqualTo(130);
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.NODE_LOST, true, 3_000, 10)).as("the node's fault: free").isZero();
  }

  @Test
  void charge_neverReachedANodeOrNodeFault_isZero() {
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.DEADLINE_EXCEEDED, false, 0, 0)).isZero();
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.NODE_LOST, true, 5_000, 0)).isZero();
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.INTERNAL, true, 5_000, 0)).isZero();
    assertThat(ChargePolicy.charge(PRICE, 1_000, ErrorCode.OVERLOADED, true, 0, 0)).isZero();
  }

  @Test
  void charge_longerThanReserved_isCappedAtTheReservation_evenWhenItWouldOverflow() {
    assertThat(ChargePolicy.charge(PRICE, 150, null, true, 60_000, 0)).isEqualTo(150);
    assertThat(ChargePolicy.charge(new Price(5, Long.MAX_VALUE / 2), 1_000, null, true, Long.MAX_VALUE / 2, 0)).isEqualTo(1_000);
  }
}
