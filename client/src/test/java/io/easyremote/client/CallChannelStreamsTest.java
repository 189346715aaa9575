package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ChannelReply;
import io.easyremote.protocol.wire.ChannelRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls beyond one call channel's 8,192 slots open a second channel stream instead of going as a
 * {@code Gateway.Call} each (a burst of those held the gateway's event loop for seconds). A gRPC
 * server on 127.0.0.1 stands in for the gateway: it counts the calls each stream carries and
 * answers none, so every call stays in flight.
 */
class CallChannelStreamsTest {
  private static final int SLOTS = 8_192;

  /** Calls received, per channel stream, in the order the streams opened. */
  private final List<AtomicInteger> streams = new CopyOnWriteArrayList<>();
  private final AtomicInteger unaryCalls = new AtomicInteger();
  private final Map<Long, Boolean> ids = new ConcurrentHashMap<>();
  private Server server;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new GatewayGrpc.GatewayImplBase() {
          @Override
          public StreamObserver<ChannelRequest> callChannel(StreamObserver<ChannelReply> out) {
            AtomicInteger calls = new AtomicInteger();
            streams.add(calls);
            return new StreamObserver<>() {
              @Override
              public void onNext(ChannelRequest request) {
                if (request.hasCall()) {
                  calls.incrementAndGet();
                  ids.put(request.getCall().getId(), true);
                }
              }

              @Override
              public void onError(Throwable t) { }

              @Override
              public void onCompleted() { }
            };
          }

          @Override
          public void call(CallRequest request, StreamObserver<CallReply> out) {
            unaryCalls.incrementAndGet();
          }
        }).build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    server.shutdownNow().awaitTermination();
  }

  @Test
  void callsBeyondOneStreamsSlots_openASecondStream_notACallEach() {
    try (Client client = Client.builder().gateway("127.0.0.1:" + server.getPort()).deadline(Duration.ofSeconds(60)).build()) {
      for (int i = 0; i < SLOTS + 10; i++) {
        client.callAsync("f", String.class, i);
      }
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ids.size() == SLOTS + 10);
      assertThat(streams).hasSize(2);
      assertThat(streams.get(0).get()).isEqualTo(SLOTS);
      assertThat(streams.get(1).get()).isEqualTo(10);
      assertThat(unaryCalls.get()).isZero();
    }
  }
}
