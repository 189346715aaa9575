package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.internal.GrpcNettyDefaults;
import java.io.File;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's and the node's gRPC transport run with the buffer cache {@link GrpcNettyDefaults}
 * sets, which holds only when it is applied before gRPC's Netty starts. Each role is checked in a
 * JVM of its own whose first use of gRPC is that role's, as in an application: in this JVM another
 * test may have started gRPC's Netty first.
 */
class TransportDefaultsTest {
  private static final String VALUE_LINE = "MAX_CACHED_BUFFER_CAPACITY=";

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .node("one", node -> node.register(new SampleFunctions("one")))
      .build();

  @ParameterizedTest
  @ValueSource(strings = {"client", "node"})
  void grpcsNettyCachesBuffersOfUpTo256KiB_perThread(String role, @TempDir Path dir) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Path log = dir.resolve(role + ".log");
    Process process = new ProcessBuilder(List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        TransportDefaultsTest.class.getName(), role, cluster.address()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the " + role + " process ended").isTrue();
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(process.exitValue()).as(output).isZero();

      assertThat(output).contains(VALUE_LINE + GrpcNettyDefaults.MAX_CACHED_BUFFER_BYTES);
    } finally {
      process.destroyForcibly();
    }
  }

  /**
   * In a fresh JVM: uses gRPC only through a client (a call) or a node (registered) at {@code
   * args[1]}, then prints the cache size gRPC's Netty started with (a static field, read once).
   */
  public static void main(String[] args) throws Exception {
    if (args[0].equals("client")) {
      try (Client client = Client.builder().gateway(args[1]).deadline(Duration.ofSeconds(20)).build()) {
        if (!"hi".equals(client.call("echo", String.class, "hi"))) {
          throw new IllegalStateException("the echo did not come back");
        }
      }
    } else {
      try (ComputeNode node = ComputeNode.builder().gateway(args[1]).id("probe").register(new SampleFunctions("probe")).build()
          .start()) {
        if (!node.isConnected()) {
          throw new IllegalStateException("the node did not register");
        }
      }
    }
    Class<?> allocator = Class.forName("io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator");
    Field capacity = allocator.getDeclaredField("DEFAULT_MAX_CACHED_BUFFER_CAPACITY");
    capacity.setAccessible(true);
    System.out.println(VALUE_LINE + capacity.getInt(null));
  }
}
