package io.easyremote.gateway.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.wire.RateReport;
import io.easyremote.protocol.wire.SignedRateReport;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rate reports between gateways: only signed, current reports from the gateway they name count; rates move halfway. */
class SharedRatesTest {
  private static final byte[] SECRET = "cluster-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private final ForwardSigner signer = new ForwardSigner(SECRET);
  private final CallerAuthentication authentication = new CallerAuthentication(Access.builder()
      .clientKey("k", Access.newSecret(), List.of("*"), 10, 0).build());
  private final SharedRates rates = new SharedRates("gw-a", authentication, signer, null);

  @Test
  void aSignedReport_fromTheGatewayItNames_counts() {
    rates.onMessage(report("gw-b", "easyremote.rates.gw-b", 1_000, Map.of("k", 30.0), signer));

    assertThat(rates.othersRate("k")).isEqualTo(30.0);
    assertThat(rates.othersRate("other")).isZero();
  }

  @Test
  void forgedReports_areIgnoredAndCounted_andChangeNothing() {
    ForwardSigner intruder = new ForwardSigner("not-the-cluster-secret-0123456".getBytes(StandardCharsets.UTF_8));
    rates.onMessage(report("gw-b", "easyremote.rates.gw-b", 1_000, Map.of("k", 30.0), intruder));
    rates.onMessage(report("gw-b", "easyremote.rates.gw-c", 1_000, Map.of("k", 30.0), signer)); // gw-c speaking for gw-b
    rates.onMessage(NatsMessage.builder().subject("easyremote.rates.gw-b").data(new byte[] {1, 2, 3}).build());

    assertThat(rates.othersRate("k")).isZero();
    assertThat(rates.ignored()).isEqualTo(3);
  }

  @Test
  void anOlderReport_thanTheLastOne_isIgnored() {
    rates.onMessage(report("gw-b", "easyremote.rates.gw-b", 2_000, Map.of("k", 4.0), signer));
    rates.onMessage(report("gw-b", "easyremote.rates.gw-b", 1_000, Map.of("k", 30.0), signer)); // replayed or late

    assertThat(rates.othersRate("k")).isEqualTo(4.0);
  }

  @Test
  void theAllowedRate_movesHalfwayTowardsWhatTheOthersLeave_neverBelowTheFloor() {
    assertThat(rates.allowedRate("k")).as("before any report: the configured rate").isGreaterThanOrEqualTo(10);
    rates.onMessage(report("gw-b", "easyremote.rates.gw-b", 1_000, Map.of("k", 6.0), signer));

    rates.rebalance();
    assertThat(rates.allowedRate("k")).isCloseTo(7.0, within(1e-9)); // 10 -> halfway to 10 - 6 = 4
    rates.rebalance();
    assertThat(rates.allowedRate("k")).isCloseTo(5.5, within(1e-9));

    rates.onMessage(report("gw-b", "easyremote.rates.gw-b", 2_000, Map.of("k", 50.0), signer));
    for (int i = 0; i < 40; i++) {
      rates.rebalance();
    }
    assertThat(rates.allowedRate("k")).as("floor: 10% of the rate").isCloseTo(1.0, within(1e-6));
  }

  private static NatsMessage report(String gateway, String subject, long issuedAtMs, Map<String, Double> callsPerSecond, ForwardSigner by) {
    byte[] body = RateReport.newBuilder().setGateway(gateway).setIssuedAtMs(issuedAtMs).putAllCallsPerSecond(callsPerSecond).build()
        .toByteArray();
    byte[] mac = by.signTagged("easyremote-rates".getBytes(StandardCharsets.US_ASCII), body);
    return NatsMessage.builder().subject(subject)
        .data(SignedRateReport.newBuilder().setBody(ByteString.copyFrom(body)).setMac(ByteString.copyFrom(mac)).build().toByteArray())
        .build();
  }
}
