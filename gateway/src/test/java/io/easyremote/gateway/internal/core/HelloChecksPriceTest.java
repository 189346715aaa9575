package io.easyremote.gateway.internal.core;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Hello;
import org.junit.jupiter.api.Test;

/** A node's prices are checked at registration: negative or overflowing prices are named errors. */
class HelloChecksPriceTest {
  private static Hello hello(long perCall, long perSecond) {
    return Hello.newBuilder().setNodeId("n1").setMaxConcurrency(1)
        .addFunctions(FunctionSpec.newBuilder().setName("f").setPricePerCall(perCall).setPricePerSecond(perSecond)).build();
  }

  @Test
  void price_negative_isRefusedNamingTheFunction() {
    assertThatThrownBy(() -> HelloChecks.check(hello(-1, 0), 100)).isInstanceOfSatisfying(RegistrationException.class,
        e -> org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST)).hasMessageContaining("'f'");
    assertThatThrownBy(() -> HelloChecks.check(hello(0, -7), 100)).hasMessageContaining(">= 0");
  }

  @Test
  void price_overTheLimit_isRefused_andFreeOrSaneIsAccepted() {
    assertThatThrownBy(() -> HelloChecks.check(hello(Long.MAX_VALUE, 0), 100)).hasMessageContaining("over the limit");
    assertThatThrownBy(() -> HelloChecks.check(hello(0, HelloChecks.MAX_PRICE + 1), 100)).hasMessageContaining("over the limit");
    assertThatCode(() -> HelloChecks.check(hello(0, 0), 100)).doesNotThrowAnyException();
    assertThatCode(() -> HelloChecks.check(hello(HelloChecks.MAX_PRICE, 5), 100)).doesNotThrowAnyException();
  }
}
