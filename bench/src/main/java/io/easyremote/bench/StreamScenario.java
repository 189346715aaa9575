package io.easyremote.bench;

import com.google.protobuf.ByteString;
import io.easyremote.client.Client;
import io.easyremote.client.ResultStream;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamReply;
import io.easyremote.protocol.wire.StreamRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 4: one server-streaming call at a time, small items (64 B: items/s) and large ones
 * (64 KiB: MB/s), through the gateway from a node's {@code Stream<byte[]>} to the client library,
 * next to the floor: the same items sent by a plain grpc-java server-streaming call (the echo
 * server's {@code CallStream}) to a plain stub.
 */
final class StreamScenario implements Scenario {
  private static final int SMALL = 64;
  private static final int LARGE = 64 << 10;
  private static final int WIDE_WINDOW = 4096;
  private static final long WIDE_WINDOW_BYTES = 256L << 20;

  @Override
  public String id() {
    return "stream";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    Section section = new Section(id(), "10. Streams (server-streaming, one stream at a time, raw byte items)",
        "item size", "path", "items/s", "MB/s", "÷ direct", "ms per stream");
    Client client = lab.client();
    // The same relay with a window wide enough that the caller's credits never hold the producer back.
    Client wide = Client.builder().gateway(lab.gatewayAddress()).streamWindow(WIDE_WINDOW).streamWindowBytes(WIDE_WINDOW_BYTES).build();
    // directExecutor: items are counted on the transport thread, no hand-off per message; the floor at its fastest.
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", lab.echoPort()).usePlaintext().directExecutor()
        .maxInboundMessageSize(64 << 20).build();
    try {
      int smallItems = settings.quick() ? 10_000 : 50_000;
      int largeItems = settings.quick() ? 500 : 5_000;
      // The streaming path's code is not what the relayed calls' warm-up compiled: warm it by time,
      // or the first rounds measure the JIT (a stream of 64 B items ran at a sixth of its later
      // rate after one short stream of warm-up).
      measure(section, settings, SMALL, smallItems, client, wide, channel, settings.quick() ? 4 : 20);
      measure(section, settings, LARGE, largeItems, client, wide, channel, settings.quick() ? 2 : 16);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      wide.close();
    }
    section.note("Relayed: node `Stream<byte[]>` → gateway → `Client.stream(\"items\", byte[].class, count, size)` with the client's "
        + "default window (at most " + client.streamWindow() + " items or " + (client.streamWindowBytes() >> 20) + " MiB ahead). Direct: a grpc-java `CallStream` server paced by `isReady()` "
        + "to a plain async stub; the same StreamReply messages, no relay.");
    section.note("Relayed, window 4,096: the same with `streamWindow(4096).streamWindowBytes(256 MiB)`, so that the caller's credits never "
        + "hold the producer back.");
    section.note(settings.payloadRounds() + " rounds per path and size, order rotated, after a warm-up of every path in turn ("
        + (settings.quick() ? "4 s and 2 s" : "20 s and 16 s") + "); medians over rounds. "
        + "MB/s = item bytes delivered ÷ time from the call to the stream's end.");
    section.note("Goals (issue 16): ≥ 300,000 items/s of 64 B and ≥ 500 MB/s of 64 KiB items through the gateway.");
    return section;
  }

  private static void measure(Section section, Settings settings, int size, int count, Client client, Client wide,
      ManagedChannel channel, int warmupSeconds) throws Exception {
    String widePath = "relayed, window " + String.format(Locale.ROOT, "%,d", WIDE_WINDOW);
    List<String> order = List.of("relayed", widePath, "direct gRPC");
    long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
    do { // every path in turn, until the warm-up time is spent
      relayed(client, count / 10, size);
      relayed(wide, count / 10, size);
      direct(channel, count / 10, size);
    } while (System.nanoTime() < warmEnd);
    Medians m = new Medians();
    for (int r = 0; r < settings.payloadRounds(); r++) {
      List<String> paths = new ArrayList<>(order);
      java.util.Collections.rotate(paths, -r);
      for (String path : paths) {
        double seconds = path.equals("relayed") ? relayed(client, count, size)
            : path.equals(widePath) ? relayed(wide, count, size) : direct(channel, count, size);
        m.add(path, Sample.value(seconds));
      }
    }
    double direct = m.median("direct gRPC", Sample::meanMicros);
    for (String path : order) {
      double seconds = m.median(path, Sample::meanMicros);
      section.row(size >= 1024 ? (size >> 10) + " KiB" : size + " B", path, count / seconds, (double) count * size / seconds / 1e6,
          direct / seconds, seconds * 1000);
    }
    section.note(String.format(Locale.ROOT, "%s items: %,d per stream.", size >= 1024 ? (size >> 10) + " KiB" : size + " B", count));
  }

  /** Seconds to receive {@code count} items of {@code size} bytes through the gateway; checks every item. */
  private static double relayed(Client client, int count, int size) {
    long t0 = System.nanoTime();
    long received = 0;
    try (ResultStream<byte[]> items = client.stream("items", byte[].class, count, size)) {
      for (byte[] item : items) {
        if (item.length != size) {
          throw new IllegalStateException("relayed stream: item " + received + " has " + item.length + " bytes, not " + size);
        }
        received++;
      }
    }
    if (received != count) {
      throw new IllegalStateException("relayed stream: " + received + " items, not " + count);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Seconds to receive {@code count} items of {@code size} bytes from the echo server's {@code CallStream}; checks every item. */
  private static double direct(ManagedChannel channel, int count, int size) throws Exception {
    CompletableFuture<Long> done = new CompletableFuture<>();
    long t0 = System.nanoTime();
    StreamObserver<StreamRequest> requests = GatewayGrpc.newStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS)
        .callStream(new StreamObserver<>() {
          private long received;

          @Override
          public void onNext(StreamReply reply) {
            if (reply.hasItem()) {
              if (reply.getItem().getPayload().getData().size() != size) {
                done.completeExceptionally(new IllegalStateException("direct stream: item of the wrong size"));
              }
              received++;
            }
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(received);
          }
        });
    Payload args = Payload.newBuilder().setData(ByteString.copyFrom("[" + count + "," + size + "]", StandardCharsets.UTF_8)).build();
    requests.onNext(StreamRequest.newBuilder().setCall(CallRequest.newBuilder().setFunction("items").setPayload(args)).build());
    requests.onCompleted();
    long received = done.get(120, TimeUnit.SECONDS);
    if (received != count) {
      throw new IllegalStateException("direct stream: " + received + " items, not " + count);
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
