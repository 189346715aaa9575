package io.easyremote.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.nats.client.NKey;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Gateways that authenticate with nkeys (a signed nonce; no secret crosses the wire) on one server. */
class NatsDirectoryNkeyTest {
  @Test
  void nkeyGateways_publishAndSeeEachOther_andAnUnknownKeyIsRefused() throws Exception {
    NKey a = NKey.createUser(new SecureRandom());
    NKey b = NKey.createUser(new SecureRandom());
    NKey stranger = NKey.createUser(new SecureRandom());
    List<String> pubA = List.of("easyremote.dir.gw-a", "easyremote.dir.*.sync", "_INBOX.>");
    List<String> pubB = List.of("easyremote.dir.gw-b", "easyremote.dir.*.sync", "_INBOX.>");
    List<String> sub = List.of("easyremote.dir.>", "_INBOX.>");
    try (NatsServers nats = NatsServers.builder()
        .user(NatsUser.nkey(new String(a.getPublicKey()), pubA, sub))
        .user(NatsUser.nkey(new String(b.getPublicKey()), pubB, sub)).start();
         NatsDirectory gwA = NatsDirectory.builder().servers(nats.urls()).gatewayId("gw-a").nkeySeed(a.getSeed()).build().start();
         NatsDirectory gwB = NatsDirectory.builder().servers(nats.urls()).gatewayId("gw-b").nkeySeed(b.getSeed()).build().start()) {
      gwA.publish(List.of(LocalNode.of("a0", Set.of("add"), 2, 0)));
      await().atMost(Duration.ofSeconds(5)).until(() -> gwB.view().node("a0").isPresent());
      assertThat(gwB.view().node("a0").orElseThrow().gatewayId()).isEqualTo("gw-a");

      assertThatThrownBy(() -> NatsDirectory.builder().servers(nats.urls()).gatewayId("gw-c").nkeySeed(stranger.getSeed())
          .connectTimeout(Duration.ofSeconds(2)).build().start())
          .isInstanceOf(IOException.class).hasMessageContaining("uthorization");
    }
  }
}
