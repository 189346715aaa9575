package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientBuilderTest {

  @Test
  void deadline_negativeOrZero_rejectedWithTheValue() {
    assertThatThrownBy(() -> Client.builder().deadline(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deadline must be > 0: PT-1S");
    assertThatThrownBy(() -> Client.builder().deadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deadline must be > 0: PT0S");
    assertThatThrownBy(() -> Client.builder().deadline(Duration.ofDays(400)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deadline must be at most 365 days: PT9600H");
    assertThatThrownBy(() -> Client.builder().deadline(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void gateway_notHostPort_rejectedNamingTheValue() {
    for (String bad : new String[] {"localhost", ":8080", "host:", "host:0", "host:70000", "host:80a", "a b:80", "::1:80", "my_host:443"}) {
      assertThatThrownBy(() -> Client.builder().gateway(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("gateway must be host:port, e.g. 127.0.0.1:8080")
          .hasMessageEndingWith("'" + bad + "'");
    }
  }

  @Test
  void gateway_validForms_accepted() {
    for (String good : new String[] {"127.0.0.1:8080", "gw.example.com:1", "[::1]:65535", "my-host-1:443"}) {
      try (Client client = Client.builder().gateway(good).build()) { // connects lazily: nothing is dialled
        assertThat(client.gateway()).isEqualTo(good);
      }
    }
  }

  @Test
  void build_withoutGateway_failsWithHint() {
    assertThatThrownBy(() -> Client.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gateway is required");
  }

  @Test
  void maxPayloadBytes_notPositive_rejected() {
    assertThatThrownBy(() -> Client.builder().maxPayloadBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPayloadBytes must be > 0: 0");
  }

  @Test
  void callerIdAndApiKey_invalid_rejectedWithoutEchoingTheKey() {
    assertThatThrownBy(() -> Client.builder().callerId("has space"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("callerId must be 1 to 128 visible ASCII characters");
    assertThatThrownBy(() -> Client.builder().callerId(""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Client.builder().apiKey("sécret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apiKey must be")
        .hasMessageNotContaining("sécret");
  }

  @Test
  void build_defaults_applied() {
    try (Client client = Client.connect("127.0.0.1:9")) {
      assertThat(client.deadline()).isEqualTo(Duration.ofSeconds(30));
      assertThat(client.maxPayloadBytes()).isEqualTo(16 << 20);
      assertThat(client.gateway()).isEqualTo("127.0.0.1:9");
      assertThat(client.callerId()).startsWith("client-");
      java.util.UUID id = java.util.UUID.fromString(client.callerId().substring("client-".length()));
      assertThat(id.version()).as("a random UUID's version").isEqualTo(4);
      assertThat(id.variant()).as("the IETF variant").isEqualTo(2);
      try (Client other = Client.connect("127.0.0.1:9")) {
        assertThat(other.callerId()).isNotEqualTo(client.callerId());
      }
      assertThat(client.toString()).contains("127.0.0.1:9").contains(client.callerId());
    }
  }

  @Test
  void withDeadline_invalid_rejected() {
    try (Client client = Client.connect("127.0.0.1:9")) {
      assertThatThrownBy(() -> client.withDeadline(Duration.ofMillis(-5)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("deadline must be > 0: PT-0.005S");
    }
  }
}
