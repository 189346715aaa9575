package io.easyremote.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Hello;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder's values are copied at build(): a builder changed afterwards changes nothing about the node. */
class ComputeNodeBuilderTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void builderChangedAfterBuild_nodeKeepsWhatWasBuilt() throws Exception {
    try (FakeNodeGateway gateway = FakeNodeGateway.start(); FakeNodeGateway other = FakeNodeGateway.start()) {
      ComputeNode.Builder builder = ComputeNode.builder().gateway(gateway.address()).id("built").token("token-a")
          .maxConcurrency(3).label("gpu", "none").cost(1.5)
          .register("add", Integer.class, Integer.class, Integer::sum);
      try (ComputeNode node = builder.build()) {
        builder.gateway(other.address()).id("changed").token("token-b").maxConcurrency(99).label("gpu", "a100").cost(9)
            .register("stolen", String.class, s -> s);

        node.start();
        Hello hello = gateway.nextLink(WAIT).received.get(0).getHello();

        assertThat(node.id()).isEqualTo("built");
        assertThat(hello.getNodeId()).isEqualTo("built");
        assertThat(hello.getToken()).isEqualTo("token-a");
        assertThat(hello.getMaxConcurrency()).isEqualTo(3);
        assertThat(hello.getLabelsMap()).containsExactly(java.util.Map.entry("gpu", "none"));
        assertThat(hello.getCost()).isEqualTo(1.5);
        assertThat(hello.getFunctionsList()).extracting(FunctionSpec::getName).containsExactly("add");
        assertThat(node.toString()).contains(gateway.address()).doesNotContain(other.address());
      }
    }
  }
}
