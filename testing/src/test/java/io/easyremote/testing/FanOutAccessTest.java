package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.CallOptions;
import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A fan-out on a gateway with client keys is authorised item by item, and reveals no more than the key may see. */
class FanOutAccessTest {
  static final String NODE_TOKEN = "er_fan-node-token-0123456789abcdef";
  static final String CALL_KEY = "er_fan-call-key-0123456789abcdef";
  static final String READ_KEY = "er_fan-read-key-0123456789abcdef";

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.access(Access.builder()
          .nodeToken("node", NODE_TOKEN, List.of("*"), List.of("*"))
          .clientKey("caller", CALL_KEY, List.of("square"), 0, 0)
          .clientKey("reader", READ_KEY, List.of("square", "whoami"), 0, 0, Access.Scope.READ)
          .build()))
      .node("a", n -> n.token(NODE_TOKEN).register(new FanOutFunctions("a")))
      .node("b", n -> n.token(NODE_TOKEN).register(new FanOutFunctions("b")))
      .build();

  private static Client client(String key) {
    Client.Builder builder = Client.builder().gateway(cluster.address());
    return key == null ? builder.build() : builder.apiKey(key).build();
  }

  @Test
  void map_withACallOnlyKey_runsEveryItem_andWithoutAKeyStopsAtOnce() {
    List<List<Integer>> inputs = IntStream.range(0, 200).mapToObj(i -> List.of(i, 0)).toList();
    try (Client caller = client(CALL_KEY); Client anonymous = client(null)) {
      // the key may not list nodes, so the window is the fallback; every item is still an authorised call
      assertThat(caller.map("square", Long.class, inputs).values()).hasSize(200).startsWith(0L, 1L, 4L);
      assertThatThrownBy(() -> caller.map("picky", Integer.class, List.of(List.of(1))).values())
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
      assertThatThrownBy(() -> anonymous.map("square", Long.class, inputs).values())
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            assertThat(e.getMessage()).startsWith("The map of 'square' stopped at item ").endsWith("(it would fail every item)");
          });
    }
  }

  @Test
  void broadcast_withACallOnlyKey_reachesTheNodesOfItsFunctions_butRequirementsNeedScopeRead() {
    try (Client caller = client(CALL_KEY); Client reader = client(READ_KEY); Client anonymous = client(null)) {
      assertThat(caller.broadcast("square", Long.class, 3, 0).results()).containsOnlyKeys("a", "b").containsValues(9L);
      Client located = caller.withOptions(CallOptions.builder().require("zone", "*").build());
      assertThatThrownBy(() -> located.broadcast("square", Long.class, 3, 0)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
        assertThat(e.getMessage()).startsWith("A fan-out over the nodes of 'square' with node requirements needs to list them, which"
            + " this client may not: use a key that may list nodes (scope read).");
      });
      assertThatThrownBy(() -> anonymous.broadcast("square", Long.class, 3, 0)).isInstanceOfSatisfying(RemoteException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND)); // an anonymous caller sees only public functions
      assertThat(reader.broadcast("whoami", String.class).results()).containsOnlyKeys("a", "b");
    }
  }
}
