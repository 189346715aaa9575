package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeFrames;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A seeded fuzzer throws garbage at a running gateway for a bounded time: random bytes as gRPC
 * messages, arguments that are not JSON or nest absurdly deep, node frames out of order or for
 * calls never sent (alone and in batches, nested ones too), huge and invalid Hellos. The gateway
 * must keep serving and return to its baseline (no calls, streams or heap left behind).
 */
class HostileInputTest {
  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .node("honest", n -> n.register(new SampleFunctions("honest")))
      .build();

  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  };

  private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> real) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(real.getType()).setFullMethodName(real.getFullMethodName())
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
  }

  private static byte[] randomBytes(Random random, int max) {
    byte[] bytes = new byte[random.nextInt(max)];
    random.nextBytes(bytes);
    return bytes;
  }

  private static String deepJson(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  @Test
  @org.junit.jupiter.api.Tag("soak") // a fuzz run: left out of mvn -B verify, run by .ci/run
  void fuzz_boundedInTime_gatewayKeepsServingAndReturnsToBaseline() throws Exception {
    long seconds = Long.getLong("easyremote.fuzz.seconds", 10);
    Random random = new Random(20261123);
    int baselineNodes = cluster.gateway().nodes().size();
    long baselineHeap = usedHeapAfterGc();
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    int attacks = 0;
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        attacks++;
        switch (random.nextInt(6)) {
          case 0 -> rawUnary(channel, GatewayGrpc.getCallMethod(), randomBytes(random, 512));
          case 1 -> rawUnary(channel, GatewayGrpc.getListNodesMethod(), randomBytes(random, 64));
          case 2 -> call(channel, "add", random.nextBoolean()
              ? ByteString.copyFrom(randomBytes(random, 256))
              : ByteString.copyFromUtf8(deepJson(1000 + random.nextInt(50_000))));
          case 3 -> call(channel, random.nextBoolean() ? "echo" : "\u0000bad name " + random.nextInt(), ByteString.copyFrom(
              new byte[] {(byte) 0xC3, (byte) 0x28, '"', '"'}));
          case 4 -> rawNodeLink(channel, random);
          default -> forgedNode(channel, random);
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    System.out.println("FUZZ " + attacks + " attacks in " + seconds + " s");
    assertThat(attacks).isGreaterThan(50);
    assertThat(cluster.client().call("add", Integer.class, 2, 2)).isEqualTo(4);
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(cluster.gateway().inFlightCalls()).isZero();
      assertThat(cluster.gateway().queuedCalls()).isZero();
      assertThat(cluster.gateway().nodes()).hasSize(baselineNodes);
    });
    long heapAfter = usedHeapAfterGc();
    assertThat(heapAfter).as("heap before %d, after %d", baselineHeap, heapAfter).isLessThan(baselineHeap + (64L << 20));
  }

  private static void rawUnary(ManagedChannel channel, MethodDescriptor<?, ?> method, byte[] body) {
    try {
      ClientCalls.blockingUnaryCall(channel, raw(method), CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS), body);
    } catch (RuntimeException expected) {
      // any status is fine; crashing or hanging is not
    }
  }

  private static void call(ManagedChannel channel, String function, ByteString payload) {
    try {
      GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
          .call(CallRequest.newBuilder().setFunction(function).setPayload(Payload.newBuilder().setData(payload)).build());
    } catch (RuntimeException expected) {
      // a named error in the reply or a status; never a hang past the deadline
    }
  }

  /** Random bytes as node-link frames, then a half-close. */
  private static void rawNodeLink(ManagedChannel channel, Random random) {
    ClientCall<byte[], byte[]> call = channel.newCall(raw(NodeLinkGrpc.getConnectMethod()), CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS));
    StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(call, new Ignore<>());
    try {
      for (int i = 0; i < 1 + random.nextInt(5); i++) {
        out.onNext(randomBytes(random, 256));
      }
      out.onCompleted();
    } catch (RuntimeException expected) {
      // the gateway may have closed the stream already
    }
  }

  /** Valid protobuf, hostile meaning: frames before Hello, results for calls never sent, absurd Hellos. */
  private static void forgedNode(ManagedChannel channel, Random random) {
    StreamObserver<NodeFrame> out = NodeLinkGrpc.newStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS).connect(new Ignore<>());
    try {
      if (random.nextBoolean()) {
        out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(random.nextLong())).build());
      }
      Hello.Builder hello = Hello.newBuilder().setNodeId("fuzz-" + random.nextInt(1000)).setMaxConcurrency(random.nextInt(3));
      int functions = random.nextInt(3) == 0 ? 5000 : random.nextInt(3);
      for (int i = 0; i < functions; i++) {
        hello.addFunctions(FunctionSpec.newBuilder().setName(random.nextBoolean() ? "f" + i : "bad name " + i));
      }
      out.onNext(NodeFrame.newBuilder().setHello(hello).build());
      for (int i = 0; i < 5; i++) {
        long id = random.nextInt(1_000_000);
        NodeFrame forged = switch (random.nextInt(3)) {
          case 0 -> NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(id)).build();
          case 1 -> NodeFrame.newBuilder().setStreamItem(StreamItem.newBuilder().setCallId(id)).build();
          default -> NodeFrame.newBuilder().setStreamEnd(StreamEnd.newBuilder().setCallId(id).setCount(3)).build();
        };
        out.onNext(switch (random.nextInt(3)) {
          case 0 -> forged;
          case 1 -> NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(forged).addFrames(forged)).build();
          default -> NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(forged) // a batch in a batch, a Hello in a batch
              .addFrames(NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(forged)))
              .addFrames(NodeFrame.newBuilder().setHello(hello))).build();
        });
      }
      out.onCompleted();
    } catch (RuntimeException expected) {
      // closed by the gateway: fine
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Drops whatever comes back. */
  private static final class Ignore<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
