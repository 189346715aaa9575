package io.easyremote.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fixture itself: real servers, routed, with JetStream and authorization when asked, and gone after close. */
class NatsServersTest {
  @Test
  void start_threeServersWithJetStreamAndUsers_routeMessagesAndServeKeyValue() throws Exception {
    Path config;
    try (NatsServers nats = NatsServers.builder().servers(3).jetStream(true)
        .user(NatsUser.password("app", "pw", List.of(), List.of())).start()) {
      config = nats.server(0).config();
      assertThat(nats.urls()).hasSize(3).doesNotHaveDuplicates();
      try (Connection one = Nats.connect(new Options.Builder().server(nats.url(0)).userInfo("app", "pw").build());
           Connection three = Nats.connect(new Options.Builder().server(nats.url(2)).userInfo("app", "pw").build())) {
        Subscription sub = three.subscribe("hello");
        three.flush(Duration.ofSeconds(5));
        // Interest crosses the routes asynchronously; publish until the subscriber on server 3 gets one.
        Message got = null;
        for (int i = 0; i < 50 && got == null; i++) {
          one.publish("hello", "from n1".getBytes(StandardCharsets.UTF_8));
          got = sub.nextMessage(Duration.ofMillis(100));
        }
        assertThat(got).as("a message from server 1 reached server 3").isNotNull();
        assertThat(new String(got.getData(), StandardCharsets.UTF_8)).isEqualTo("from n1");

        JetStreamManagement jsm = one.jetStreamManagement();
        jsm.getAccountStatistics(); // JetStream answers
        one.keyValueManagement().create(KeyValueConfiguration.builder().name("probe").storageType(StorageType.Memory).replicas(3).build());
        KeyValue kv = three.keyValue("probe");
        kv.put("k", "v".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(one.keyValue("probe").get("k").getValue(), StandardCharsets.UTF_8)).isEqualTo("v");
      }
      assertThatThrownBy(() -> Nats.connect(new Options.Builder().server(nats.url(1)).maxReconnects(0).build()))
          .hasMessageContaining("uthorization");
      nats.server(1).kill();
      assertThat(nats.server(1).alive()).isFalse();
    }
    assertThat(Files.exists(config)).as("the servers' directory is deleted").isFalse();
  }
}
