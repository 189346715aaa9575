package io.easyremote.gateway.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FunctionOwnersTest {
  private static final long HOUR = TimeUnit.HOURS.toNanos(1);

  @Test
  void lastNodeLeaving_holdsTheNameForItsOwner_untilTheHoldExpires() {
    FunctionOwners owners = new FunctionOwners(HOUR);
    owners.add("payroll.run", "owner");
    owners.remove("payroll.run", "owner", 0);

    assertThat(owners.of("payroll.run")).isEmpty();
    assertThat(owners.heldAgainst("payroll.run", "squatter", HOUR - 1)).isEqualTo("owner");
    assertThat(owners.heldAgainst("payroll.run", "owner", HOUR - 1)).as("its owner may take it back").isNull();
    assertThat(owners.heldAgainst("payroll.run", "squatter", HOUR + 1)).as("expired").isNull();
  }

  @Test
  void nameStillServedByAnotherNodeOfTheOwner_isNotHeld_butOwned() {
    FunctionOwners owners = new FunctionOwners(HOUR);
    owners.add("f", "owner");
    owners.add("f", "owner");
    owners.remove("f", "owner", 0);

    assertThat(owners.of("f")).containsExactly("owner");
    assertThat(owners.holds()).isZero();
  }

  @Test
  void nodeIds_areHeldToo_andReleasedByAnAdmin() {
    FunctionOwners owners = new FunctionOwners(HOUR);
    owners.nodeIdLeft("gpu-1", "owner", 0);

    assertThat(owners.nodeIdHeldAgainst("gpu-1", "squatter", 10)).isEqualTo("owner");
    assertThat(owners.release("gpu-1")).isEqualTo(1);
    assertThat(owners.nodeIdHeldAgainst("gpu-1", "squatter", 10)).isNull();
  }

  @Test
  void openGateway_holdsNothing_andZeroHoldReleasesAtOnce() {
    FunctionOwners open = new FunctionOwners(HOUR);
    open.add("f", null);
    open.remove("f", null, 0);
    open.nodeIdLeft("n", null, 0);
    assertThat(open.holds()).isZero();

    FunctionOwners none = new FunctionOwners(0);
    none.add("f", "owner");
    none.remove("f", "owner", 0);
    assertThat(none.heldAgainst("f", "squatter", 1)).isNull();
  }

  @Test
  void holds_areBounded() {
    FunctionOwners owners = new FunctionOwners(HOUR);
    for (int i = 0; i < FunctionOwners.MAX_HOLDS + 10; i++) {
      owners.nodeIdLeft("n" + i, "owner", i);
    }
    assertThat(owners.holds()).isEqualTo(FunctionOwners.MAX_HOLDS);
  }
}
