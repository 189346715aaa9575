package io.easyremote.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The configuration is frozen at build(): the credentials check cannot be bypassed by changing the builder afterwards. */
class GatewayBuilderTest {
  @Test
  void builderChangedAfterBuild_changesNothing_soAnOpenGatewayStillListensOnLoopbackOnly() throws Exception {
    Gateway.Builder builder = Gateway.builder().port(0);
    Gateway gateway = builder.build();
    builder.host("0.0.0.0").port(1).maxPayloadBytes(1).defaultDeadline(Duration.ofMillis(1));
    try (Gateway started = gateway.start()) {
      assertThat(started.address()).startsWith("127.0.0.1:");
      assertThat(started.port()).isNotEqualTo(1);
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", started.port()), 2000);
        assertThat(socket.isConnected()).isTrue();
      }
    }
  }

  @Test
  void openGatewayBeyondLoopback_isRefusedAtBuild() {
    assertThatThrownBy(() -> Gateway.builder().host("0.0.0.0").port(0).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("--insecure");
  }

  @Test
  void nonsense_isRejectedLoudly() {
    assertThatThrownBy(() -> Gateway.builder().helloTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gateway.builder().ownershipHold(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Access.builder().clientKey("a", "s1", java.util.List.of(), 0, 0).clientKey("a", "s2", java.util.List.of(), 0, 0)
        .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unique");
    assertThatThrownBy(() -> Access.Scope.parse("root")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("call, read or admin");
  }
}
