package io.easyremote.testing.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ErrorCode;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamReply;
import io.easyremote.protocol.wire.StreamRequest;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway as a plain gRPC server, seen by generic tools rather than our client: standard
 * health and reflection, UNIMPLEMENTED for what it does not serve, deadlines, and streams for a
 * caller that grants no credits and half-closes.
 */
class GrpcInteropTest {
  private static final int BUFFER = 32;
  private static final SampleFunctions functions = new SampleFunctions("n1");

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.streamBufferItems(BUFFER))
      .node("n1", n -> n.register(functions).maxConcurrency(16))
      .build();

  private final List<ManagedChannel> channels = new ArrayList<>();

  private ManagedChannel channel(String address) {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  @AfterEach
  void closeChannels() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static HealthCheckRequest health(String service) {
    return HealthCheckRequest.newBuilder().setService(service).build();
  }

  @Test
  void healthCheck_wholeServerAndEachService_serving_unknownServiceNotFound() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel(cluster.address())).withDeadlineAfter(5, TimeUnit.SECONDS);
    assertThat(health.check(health("")).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(health("easyremote.v1.Gateway")).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(health("easyremote.v1.NodeLink")).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThatThrownBy(() -> health.check(health("acme.Nope")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void healthCheck_whileTheGatewayDrains_notServing() throws Exception {
    // Threads of its own for the blocking call and the close: on 2 cores the common pool has one worker, and on
    // JDK 21+ CompletableFuture queues on it, so the close would wait for the call and no drain would be seen.
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
    try (Gateway gateway = Gateway.builder().port(0).drainTimeout(Duration.ofSeconds(10)).build().start();
         ComputeNode node = ComputeNode.builder().gateway(gateway.address()).id("slow").register(new SampleFunctions("slow")).build().start()) {
      ManagedChannel channel = channel(gateway.address());
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
      assertThat(health.check(health("easyremote.v1.Gateway")).getStatus()).isEqualTo(ServingStatus.SERVING);
      // A call that keeps the drain going for a while.
      CompletableFuture<CallReply> running = CompletableFuture.supplyAsync(() -> GatewayGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).call(call("sleep", "[1500]")), threads);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gateway.inFlightCalls() == 1);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(gateway::close, threads);

      Awaitility.await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
        assertThat(health.check(health("")).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(health.check(health("easyremote.v1.Gateway")).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
      });
      assertThat(gateway.inFlightCalls()).as("the drain is still running").isEqualTo(1);
      assertThat(running.get(10, TimeUnit.SECONDS).getPayload().getData().toStringUtf8()).isEqualTo("\"slow\"");
      closing.get(10, TimeUnit.SECONDS);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void reflection_v1AndV1alpha_listEveryService() throws Exception {
    List<String> expected = List.of("easyremote.v1.Gateway", "easyremote.v1.NodeLink", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");
    ManagedChannel channel = channel(cluster.address());

    CompletableFuture<io.grpc.reflection.v1.ServerReflectionResponse> v1 = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS).serverReflectionInfo(observer(v1));
    requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    assertThat(v1.get(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
        .extracting(io.grpc.reflection.v1.ServiceResponse::getName).containsExactlyInAnyOrderElementsOf(expected);

    CompletableFuture<io.grpc.reflection.v1alpha.ServerReflectionResponse> alpha = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> old = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS).serverReflectionInfo(observer(alpha));
    old.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setFileContainingSymbol("easyremote.v1.Gateway").build());
    old.onCompleted();
    assertThat(alpha.get(5, TimeUnit.SECONDS).getFileDescriptorResponse().getFileDescriptorProtoCount()).isGreaterThan(0);
    com.google.protobuf.DescriptorProtos.FileDescriptorProto file = com.google.protobuf.DescriptorProtos.FileDescriptorProto.parseFrom(
        alpha.get().getFileDescriptorResponse().getFileDescriptorProto(0));
    assertThat(file.getName()).isEqualTo("easyremote/v1/easyremote.proto");
    assertThat(file.getServiceList()).extracting(s -> s.getName()).contains("Gateway", "NodeLink");
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> first) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        first.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        first.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        first.completeExceptionally(new AssertionError("no response"));
      }
    };
  }

  @Test
  void unknownMethodOrService_unimplemented_notHttp405() {
    ManagedChannel channel = channel(cluster.address());
    for (String method : List.of("easyremote.v1.Gateway/Nope", "acme.Made/Up")) {
      MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(method)
          .setRequestMarshaller(Bytes.INSTANCE).setResponseMarshaller(Bytes.INSTANCE).build();
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, descriptor, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
          new byte[0]))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(method).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(e.getStatus().getDescription()).contains(method);
          });
    }
  }

  @Test
  void gatewayDeadline_passes_deadlineExceededInsideTheReply_notCancelled() throws Exception {
    // A client that sends grpc-timeout but keeps no timer of its own sees what the gateway answers.
    AggregatedHttpResponse response = postCall("application/grpc", call("sleep", "[3000]").toByteArray(), "grpc-timeout", "300m");

    assertThat(response.trailers().get("grpc-status")).isEqualTo("0");
    byte[] body = response.content().array();
    CallReply reply = CallReply.parseFrom(java.util.Arrays.copyOfRange(body, 5, body.length));
    assertThat(reply.getError().getCode()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(reply.getError().getMessage()).contains("Deadline exceeded after");
  }

  @Test
  void grpcJson_isNotServed_theSameCallInProtobufIs() throws Exception {
    // The gateway takes gRPC and gRPC-Web in protobuf only; JSON callers have the REST API.
    AggregatedHttpResponse response = postCall("application/grpc+json",
        "{\"function\":\"add\",\"args\":\"WzEsIDJd\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(response.status().code()).as("refused as an unsupported media type").isEqualTo(415);
    assertThat(response.trailers().get("grpc-status")).isNull();
    assertThat(GatewayGrpc.newBlockingStub(channel(cluster.address())).withDeadlineAfter(10, TimeUnit.SECONDS)
        .call(call("add", "[1, 2]")).getPayload().getData().toStringUtf8()).isEqualTo("3");
  }

  @Test
  void callStream_oneRequestThenHalfClose_noCredits_receivesTheWholeStream() {
    ManagedChannel channel = channel(cluster.address());
    List<StreamReply> replies = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<StreamRequest> requests = GatewayGrpc.newStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .callStream(new StreamObserver<>() {
          @Override
          public void onNext(StreamReply value) {
            replies.add(value);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    requests.onNext(StreamRequest.newBuilder().setCall(call("numbers", "[1000]")).build());
    requests.onCompleted();
    done.join();

    assertThat(replies).hasSize(1001);
    assertThat(replies.subList(0, 1000)).extracting(r -> r.getItem().getPayload().getData().toStringUtf8())
        .isEqualTo(java.util.stream.IntStream.range(0, 1000).mapToObj(String::valueOf).toList());
    assertThat(replies.get(1000).getEnd().getCount()).isEqualTo(1000);
    assertThat(replies.get(1000).getEnd().hasError()).isFalse();
  }

  @Test
  void callStream_noCredits_readerStops_producerWaits_gatewayBufferBounded() {
    ManagedChannel channel = channel(cluster.address());
    MethodDescriptor<StreamRequest, StreamReply> method = GatewayGrpc.getCallStreamMethod();
    ClientCall<StreamRequest, StreamReply> call = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
    AtomicInteger received = new AtomicInteger();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(StreamReply message) {
        received.incrementAndGet();
      }
    }, new io.grpc.Metadata());
    call.request(10); // reads ten items, then nothing: only HTTP/2 flow control paces the gateway
    call.sendMessage(StreamRequest.newBuilder().setCall(call("firehose", "[]")).build());
    call.halfClose();
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.get() == 10);
      int before = functions.produced();
      // The producer stops once the windows and the gateway's buffer are full, and stays stopped.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(new java.util.concurrent.Callable<>() {
        private int last = -1;

        @Override
        public Boolean call() {
          int now = functions.produced();
          boolean still = now == last;
          last = now;
          return still;
        }
      });
      Awaitility.await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(() ->
          cluster.gateway().bufferedStreamItems() <= BUFFER);
      assertThat(functions.produced() - before).as("items produced for a reader that stopped").isLessThan(20_000);
      assertThat(received.get()).isEqualTo(10);
    } finally {
      call.cancel("done", null);
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().bufferedStreamItems() == 0);
  }

  /** One gRPC frame of {@code message} POSTed to {@code Gateway/Call} as {@code contentType}, with extra header pairs; the whole answer. */
  private static AggregatedHttpResponse postCall(String contentType, byte[] message, String... extraHeaders) throws Exception {
    ByteBuffer frame = ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message);
    com.linecorp.armeria.common.RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.POST, "/easyremote.v1.Gateway/Call")
        .contentType(com.linecorp.armeria.common.MediaType.parse(contentType)).add("te", "trailers");
    for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
      headers.add(extraHeaders[i], extraHeaders[i + 1]);
    }
    return WebClient.builder("h2c://" + cluster.address()).responseTimeout(Duration.ofSeconds(10)).build()
        .execute(HttpRequest.of(headers.build(), com.linecorp.armeria.common.HttpData.wrap(frame.array()))).aggregate()
        .get(10, TimeUnit.SECONDS);
  }

  static CallRequest call(String function, String json) {
    return CallRequest.newBuilder().setFunction(function)
        .setPayload(Payload.newBuilder().setData(ByteString.copyFrom(json, StandardCharsets.UTF_8))).build();
  }

  /** Raw bytes in and out, for methods no stub knows. */
  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
