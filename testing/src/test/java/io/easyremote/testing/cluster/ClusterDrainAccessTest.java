package io.easyremote.testing.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.ClusterConfig;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Who may drain a node through another gateway of a cluster: the gateway the operator asks checks
 * the key, and the gateway holding the node checks it again against its own configuration, so a
 * key that is an admin on one gateway only cannot drain the other's nodes. Soak: it starts its own
 * NATS server and two gateways for one test.
 */
@Tag("soak")
class ClusterDrainAccessTest {
  private static final String PASSWORD = "nats-pw-0123456789";
  private static final String SECRET = "cluster-secret-0123456789abcdef";
  private static final String TOKEN = "node-token-0123456789abcdef";
  private static final String OPS = "ops-key-0123456789abcdef";
  private static final String ALICE = "alice-key-0123456789abcdef";

  private final List<AutoCloseable> open = new ArrayList<>();
  private NatsServers nats;

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    if (nats != null) {
      nats.close();
    }
  }

  private Gateway gateway(String id, Access access) {
    Gateway g = Gateway.builder().port(0).registrationGrace(Duration.ZERO).drainTimeout(Duration.ofSeconds(1)).access(access)
        .cluster(ClusterConfig.builder().servers(nats.urls()).gatewayId(id).userPassword(id, PASSWORD.toCharArray())
            .secret(SECRET.toCharArray()).build())
        .build().start();
    open.add(g);
    return g;
  }

  private Client client(Gateway g, String key) {
    Client c = Client.builder().gateway(g.address()).apiKey(key).deadline(Duration.ofSeconds(10)).build();
    open.add(c);
    return c;
  }

  @Test
  void drainThroughA_ofBsNode_isRefusedToANonAdminKey_andToAnAdminOfAOnly_andTheNodeKeepsServing() throws Exception {
    nats = NatsServers.builder().servers(1).user(NatsUser.gateway("gw-a", PASSWORD)).user(NatsUser.gateway("gw-b", PASSWORD)).start();
    Gateway a = gateway("gw-a", Access.builder().nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
        .adminKey("ops", OPS).clientKey("alice", ALICE, List.of("*"), 0, 0).build());
    // B is configured differently (a mistake the docs warn of): "ops" is a plain key there.
    Gateway b = gateway("gw-b", Access.builder().nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
        .clientKey("ops", OPS, List.of("*"), 0, 0).clientKey("alice", ALICE, List.of("*"), 0, 0).build());
    open.add(ComputeNode.builder().gateway(b.address()).token(TOKEN).id("b-node").register("ping", String.class, s -> s).build().start());
    await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterNodes().stream().anyMatch(n -> n.id().equals("b-node")));

    assertThatThrownBy(() -> client(a, ALICE).drain("b-node", Duration.ofSeconds(1))).as("not an admin on A")
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
    assertThatThrownBy(() -> client(a, OPS).drain("b-node", Duration.ofSeconds(1))).as("an admin on A, not on B")
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
          assertThat(e.getMessage()).contains("may not drain nodes on gateway 'gw-b'");
        });

    assertThat(b.nodes()).singleElement().satisfies(n -> assertThat(n.state()).as("not draining").isNotEqualTo("DRAINING"));
    assertThat(client(b, ALICE).call("ping", String.class, "still here")).isEqualTo("still here");
  }
}
