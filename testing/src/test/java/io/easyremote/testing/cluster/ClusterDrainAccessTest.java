package io.easyremote.testing.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
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
  private static final String TOKEN = "node-token-0123456789abcdef";
  private static final String OPS = "ops-key-0123456789abcdef";
  private static final String ALICE = "alice-key-0123456789abcdef";

  private TwoGateways cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private Client client(Gateway g, String key) {
    return cluster.add(Client.builder().gateway(g.address()).apiKey(key).deadline(Duration.ofSeconds(10)).build());
  }

  @Test
  void drainThroughA_ofBsNode_isRefusedToANonAdminKey_andToAnAdminOfAOnly_andTheNodeKeepsServing() throws Exception {
    cluster = new TwoGateways();
    Gateway a = cluster.gateway("gw-a", Access.builder().nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
        .adminKey("ops", OPS).clientKey("alice", ALICE, List.of("*"), 0, 0).build());
    // B is configured differently (a mistake the docs warn of): "ops" is a plain key there.
    Gateway b = cluster.gateway("gw-b", Access.builder().nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
        .clientKey("ops", OPS, List.of("*"), 0, 0).clientKey("alice", ALICE, List.of("*"), 0, 0).build());
    cluster.add(ComputeNode.builder().gateway(b.address()).token(TOKEN).id("b-node").register("ping", String.class, s -> s).build().start());
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
