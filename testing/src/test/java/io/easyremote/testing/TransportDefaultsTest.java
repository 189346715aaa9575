package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.protocol.internal.GrpcNettyDefaults;
import java.lang.reflect.Field;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client's and the node's gRPC transport run with the buffer cache {@link GrpcNettyDefaults}
 * sets: applied before gRPC's Netty started, or it would not hold.
 */
class TransportDefaultsTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .node("one", node -> node.register(new SampleFunctions("one")))
      .build();

  @Test
  void grpcsNettyCachesBuffersOfUpTo256KiB_perThread() throws Exception {
    try (Client client = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(20)).build()) {
      assertThat(client.call("echo", String.class, "hi")).isEqualTo("hi");
    }
    // The value the allocator read when it started (Netty keeps it in a static field, read once).
    Class<?> allocator = Class.forName("io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator");
    Field capacity = allocator.getDeclaredField("DEFAULT_MAX_CACHED_BUFFER_CAPACITY");
    capacity.setAccessible(true);

    assertThat(capacity.getInt(null)).isEqualTo(GrpcNettyDefaults.MAX_CACHED_BUFFER_BYTES);
  }
}
