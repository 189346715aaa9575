package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.easyremote.client.Client;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.PartQueue;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ChannelAnswer;
import io.easyremote.protocol.wire.ChannelCall;
import io.easyremote.protocol.wire.ChannelReply;
import io.easyremote.protocol.wire.ChannelRequest;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.PayloadPart;
import io.easyremote.protocol.wire.Result;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16: a large payload crosses the node link in parts ({@code PayloadPart}, 128 KiB each),
 * both ways, interleaved with other frames, so small calls to the same node are not stuck behind
 * it. A real node for the end-to-end case; a node link spoken by hand to see what crosses the wire.
 */
class PayloadPartsTest {
  private static final int LIMIT = 80 << 20;
  private static final int BIG = 64 << 20;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.maxPayloadBytes(LIMIT))
      .node("n1", n -> n.maxConcurrency(8)
          .register("digest", byte[].class, PayloadPartsTest::sha256)
          .register("bytes", Integer.class, PayloadPartsTest::bytes)
          .register("echo", String.class, s -> s))
      .clientDeadline(Duration.ofSeconds(60))
      .build();

  /**
   * The 64 MiB argument goes to the gateway on the client's call channel, in parts, and the small
   * calls go on that same stream between them: they are made by the same client.
   */
  @Test
  void payloadOf64MiB_withTheLimitRaised_arrivesIntact_whileSmallCallsKeepFlowing() throws Exception {
    byte[] big = new byte[BIG];
    new Random(16).nextBytes(big);
    AtomicBoolean bigRunning = new AtomicBoolean(true);
    AtomicInteger smallDuring = new AtomicInteger();
    List<Long> smallMillis = new ArrayList<>();
    try (Client small = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(30)).build();
        Client large = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(60)).maxPayloadBytes(LIMIT).build()) {
      assertThat(small.call("echo", String.class, "warm")).isEqualTo("warm");
      // The first call opens the client's call channel; the gateway's first message there says it reads parts.
      assertThat(large.call("echo", String.class, "warm")).isEqualTo("warm");
      double onChannels = CallChannelTest.metric(cluster, "easyremote_call_channel_calls_total");
      CompletableFuture<byte[]> digest = large.callAsync("digest", byte[].class, (Object) big);
      CompletableFuture<byte[]> fetched = large.callAsync("bytes", byte[].class, 20 << 20);
      CompletableFuture.allOf(digest, fetched).whenComplete((v, e) -> bigRunning.set(false));
      int smallCalls = 0;
      while (bigRunning.get()) {
        long t = System.nanoTime();
        assertThat(large.call("echo", String.class, "small")).isEqualTo("small");
        smallCalls++;
        if (bigRunning.get()) {
          smallDuring.incrementAndGet();
          smallMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
        }
      }
      assertThat(digest.get(60, TimeUnit.SECONDS)).as("SHA-256 of the 64 MiB payload, on the node").isEqualTo(sha256(big));
      assertThat(fetched.get(60, TimeUnit.SECONDS)).as("a 20 MiB result").isEqualTo(bytes(20 << 20));
      assertThat(CallChannelTest.metric(cluster, "easyremote_call_channel_calls_total") - onChannels)
          .as("calls the gateway took on call channels: the 64 MiB one, the 20 MiB one and the small ones").isEqualTo(2 + smallCalls);
    }
    System.out.printf(Locale.ROOT, "Parts: %d small calls completed while 64 MiB in and 20 MiB out crossed; slowest %d ms%n",
        smallDuring.get(), smallMillis.stream().mapToLong(Long::longValue).max().orElse(0));
    assertThat(smallDuring.get()).as("small calls completed while the large payloads crossed").isPositive();
  }

  // Whether the cancel overtakes the last part is a race here; ComputeNodePartsTest shows on the
  // wire that a call cancelled before its last part never runs.
  @Test
  void callCancelledWhileItsPayloadStillComesInParts_freesTheNodesSlot() throws Exception {
    AtomicInteger ran = new AtomicInteger();
    cluster.startNode("one-slot", n -> n.maxConcurrency(1).register("sink", byte[].class, b -> {
      ran.incrementAndGet();
      return b.length;
    }));
    byte[] big = new byte[BIG];
    try (Client large = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(60)).maxPayloadBytes(LIMIT).build()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().nodes().stream().anyMatch(n -> n.id().equals("one-slot")));
      CompletableFuture<Integer> call = large.callAsync("sink", Integer.class, (Object) big);
      // Dispatched: its Invoke left with the first part; the other 511 parts take a while.
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1))
          .until(() -> cluster.gateway().nodes().stream().anyMatch(n -> n.id().equals("one-slot") && n.inFlight() == 1));
      call.cancel(true);
      // The node's only slot is free again: the next call runs (a node that dropped the parts without an answer would hold it).
      assertThat(large.callAsync("sink", Integer.class, (Object) new byte[10]).get(10, TimeUnit.SECONDS)).isEqualTo(10);
      System.out.printf(Locale.ROOT, "Parts: the cancelled 64 MiB call %s on the node%n", ran.get() == 1 ? "never ran" : "ran anyway");
      assertThat(ran.get()).as("runs of sink: the small call, and the big one only if its parts had all arrived").isBetween(1, 2);
    }
  }

  @Test
  void onTheWire_aLargeInvokeComesInParts_andASmallCallOvertakesItsRest_andAResultInPartsIsPutBackTogether() throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().maxInboundMessageSize(8 << 20).build();
    try {
      RawNodeLink raw = new RawNodeLink(channel);
      raw.out.onNext(NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId("raw").setMaxConcurrency(4).setBatches(false)
          .setParts(true).addFunctions(FunctionSpec.newBuilder().setName("rawEcho"))).build());
      GatewayFrame welcome = raw.next();
      assertThat(welcome.getWelcome().getParts()).as("the gateway reads results in parts").isTrue();

      byte[] big = new byte[8 << 20];
      new Random(7).nextBytes(big);
      CompletableFuture<byte[]> bigCall = cluster.client().callAsync("rawEcho", byte[].class, (Object) big);
      Invoke head = nextInvoke(raw);
      assertThat(head.getPayloadSize()).as("the whole size, announced with the first part").isEqualTo(big.length);
      assertThat(head.getPayload().getData().size()).as("the first part").isEqualTo(PartQueue.PART_BYTES);

      // A small call made now reaches the node before the big payload's last part.
      CompletableFuture<String> smallCall = cluster.client().callAsync("rawEcho", String.class, "small");
      ByteString.Output data = ByteString.newOutput();
      head.getPayload().getData().writeTo(data);
      Invoke smallInvoke = null;
      int partsAfterSmall = 0;
      while (data.size() < head.getPayloadSize()) {
        GatewayFrame frame = raw.next();
        if (frame.hasPing()) {
          continue; // this hand-made node sends no heartbeats: the gateway checks on it
        }
        if (frame.hasInvoke()) {
          smallInvoke = frame.getInvoke();
          raw.out.onNext(result(smallInvoke.getCallId(), ByteString.copyFromUtf8("\"small\""), Encoding.JSON));
        } else {
          assertThat(frame.hasPart()).as("a part: " + frame.getKindCase()).isTrue();
          assertThat(frame.getPart().getCallId()).isEqualTo(head.getCallId());
          assertThat(frame.getPart().getData().size()).isLessThanOrEqualTo(PartQueue.PART_BYTES);
          frame.getPart().getData().writeTo(data);
          if (smallInvoke != null) {
            partsAfterSmall++;
          }
        }
      }
      assertThat(smallInvoke).as("the small call's Invoke, before the big payload's last part").isNotNull();
      assertThat(partsAfterSmall).as("parts of the big payload after the small call's Invoke").isPositive();
      assertThat(smallCall.get(10, TimeUnit.SECONDS)).as("the small call, answered while the big one still crossed").isEqualTo("small");
      assertThat(bigCall).as("the big call, not answered yet").isNotDone();

      // The node answers the big call in parts too: the gateway puts the result back together.
      ByteString whole = data.toByteString();
      assertThat(whole.size()).isEqualTo((int) head.getPayloadSize());
      ByteString payload = whole; // echoed as it came
      Payload first = Payload.newBuilder().setData(payload.substring(0, PartQueue.PART_BYTES)).setEncoding(head.getPayload().getEncoding())
          .build();
      raw.out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(head.getCallId()).setPayloadSize(payload.size())
          .setPayload(first)).build());
      for (int from = PartQueue.PART_BYTES; from < payload.size(); from += PartQueue.PART_BYTES) {
        raw.out.onNext(NodeFrame.newBuilder().setPart(PayloadPart.newBuilder().setCallId(head.getCallId())
            .setData(payload.substring(from, Math.min(payload.size(), from + PartQueue.PART_BYTES)))).build());
      }
      assertThat(Arrays.equals(bigCall.get(30, TimeUnit.SECONDS), big)).as("the 8 MiB echo, intact").isTrue();
      raw.out.onCompleted();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void callChannel_aLargeAnswerComesInParts_andASmallAnswerOvertakesItsRest() throws Exception {
    try (HandChannel hand = new HandChannel(cluster.address(), true)) {
      hand.send(channelCall(1, "bytes", "[8388608]"));
      ChannelReply hello = hand.next();
      assertThat(hello.getReadsParts()).as("the gateway's first message: it reads calls in parts").isTrue();
      assertThat(hello.getAnswersCount()).isZero();
      ChannelAnswer head = hand.next().getAnswers(0);
      assertThat(head.getId()).isEqualTo(1);
      assertThat(head.getPayloadSize()).as("the whole size, announced with the first part").isGreaterThan(PartQueue.PART_BYTES);
      assertThat(head.getReply().getPayload().getData().size()).isEqualTo(PartQueue.PART_BYTES);

      hand.send(channelCall(2, "echo", "[\"small\"]"));
      ByteString.Output data = ByteString.newOutput();
      head.getReply().getPayload().getData().writeTo(data);
      int partsAfterSmall = -1;
      while (data.size() < head.getPayloadSize()) {
        ChannelReply reply = hand.next();
        if (reply.getAnswersCount() > 0) {
          assertThat(reply.getAnswers(0).getId()).isEqualTo(2);
          assertThat(reply.getAnswers(0).getReply().getPayload().getData().toStringUtf8()).isEqualTo("\"small\"");
          partsAfterSmall = 0;
        } else {
          assertThat(reply.getPart().getCallId()).isEqualTo(1);
          reply.getPart().getData().writeTo(data);
          if (partsAfterSmall >= 0) {
            partsAfterSmall++;
          }
        }
      }
      assertThat(partsAfterSmall).as("parts of the large answer after the small one (-1: the small one came last)").isPositive();
      String json = data.toByteString().toStringUtf8(); // a byte[] result to JSON arguments: a base64 string
      assertThat(java.util.Base64.getDecoder().decode(json.substring(1, json.length() - 1))).as("the 8 MiB answer, put back together")
          .isEqualTo(bytes(8 << 20));
    }
  }

  /**
   * On the wire: a call whose 8 MiB argument comes in parts is run once its last part came, and a
   * small call sent between two of its parts is answered before it.
   */
  @Test
  void callChannel_aLargeRequestComesInParts_andASmallCallOvertakesIt() throws Exception {
    byte[] big = new byte[8 << 20];
    new Random(8).nextBytes(big);
    try (HandChannel hand = new HandChannel(cluster.address(), false)) {
      assertThat(hand.next().getReadsParts()).as("the gateway's first message: it reads calls in parts").isTrue();
      hand.send(bigCall(1, "digest", big.length, ByteString.copyFrom(big, 0, PartQueue.PART_BYTES)));
      int offset = PartQueue.PART_BYTES;
      for (int i = 0; i < 3; i++, offset += PartQueue.PART_BYTES) {
        hand.send(part(1, ByteString.copyFrom(big, offset, PartQueue.PART_BYTES)));
      }
      hand.send(channelCall(2, "echo", "[\"small\"]"));
      ChannelAnswer small = hand.next().getAnswers(0);
      assertThat(small.getId()).as("the small call, answered while the large one waits for its parts").isEqualTo(2);
      assertThat(small.getReply().getPayload().getData().toStringUtf8()).isEqualTo("\"small\"");
      for (; offset < big.length; offset += PartQueue.PART_BYTES) {
        hand.send(part(1, ByteString.copyFrom(big, offset, Math.min(PartQueue.PART_BYTES, big.length - offset))));
      }
      ChannelAnswer digest = hand.next().getAnswers(0);
      assertThat(digest.getId()).isEqualTo(1);
      assertThat(digest.getReply().hasError()).as("%s", digest.getReply().getError()).isFalse();
      String json = digest.getReply().getPayload().getData().toStringUtf8(); // a byte[] result, as JSON: a base64 string
      assertThat(java.util.Base64.getDecoder().decode(json.substring(1, json.length() - 1)))
          .as("SHA-256 of the 8 MiB argument, on the node").isEqualTo(sha256(big));
    }
  }

  /**
   * What a caller may get wrong with parts, each answered on its call with the stream still
   * serving: a size over the gateway's limit, parts past the declared size, a cancel while the
   * parts come (the parts after it are ignored), and more uploads at once than a stream may hold.
   */
  @Test
  void callChannel_requestsInPartsThatBreakTheRules_areRefusedEachOnItsCall_andTheStreamKeepsServing() throws Exception {
    ByteString first = ByteString.copyFrom(new byte[PartQueue.PART_BYTES]);
    try (HandChannel hand = new HandChannel(cluster.address(), false)) {
      assertThat(hand.next().getReadsParts()).isTrue();
      hand.send(bigCall(1, "digest", LIMIT + 1L, first));
      assertThat(hand.nextAnswer().getReply().getError().getCode()).as("declared over the limit")
          .isEqualTo(io.easyremote.protocol.wire.ErrorCode.PAYLOAD_TOO_LARGE);

      hand.send(bigCall(2, "digest", PartQueue.PART_BYTES + 10L, first));
      hand.send(part(2, ByteString.copyFrom(new byte[11])));
      ChannelAnswer overflow = hand.nextAnswer();
      assertThat(overflow.getId()).isEqualTo(2);
      assertThat(overflow.getReply().getError().getCode()).as("parts past the declared size")
          .isEqualTo(io.easyremote.protocol.wire.ErrorCode.INVALID_REQUEST);

      hand.send(bigCall(3, "digest", 4L * PartQueue.PART_BYTES, first));
      hand.send(ChannelRequest.newBuilder().setCancel(3).build());
      ChannelAnswer cancelled = hand.nextAnswer();
      assertThat(cancelled.getId()).isEqualTo(3);
      assertThat(cancelled.getReply().getError().getCode()).isEqualTo(io.easyremote.protocol.wire.ErrorCode.CANCELLED);
      for (int i = 0; i < 3; i++) {
        hand.send(part(3, first)); // ignored: the call is gone
      }

      for (int id = 10; id < 10 + 17; id++) {
        hand.send(bigCall(id, "digest", 4L * PartQueue.PART_BYTES, first));
      }
      ChannelAnswer seventeenth = hand.nextAnswer();
      assertThat(seventeenth.getId()).as("the upload one past the stream's 16").isEqualTo(26);
      assertThat(seventeenth.getReply().getError().getCode()).isEqualTo(io.easyremote.protocol.wire.ErrorCode.OVERLOADED);
      for (int id = 10; id < 26; id++) {
        hand.send(ChannelRequest.newBuilder().setCancel(id).build());
      }
      for (int i = 0; i < 16; i++) {
        assertThat(hand.nextAnswer().getReply().getError().getCode()).isEqualTo(io.easyremote.protocol.wire.ErrorCode.CANCELLED);
      }

      hand.send(channelCall(4, "echo", "[\"still here\"]"));
      ChannelAnswer echo = hand.nextAnswer();
      assertThat(echo.getId()).isEqualTo(4);
      assertThat(echo.getReply().getPayload().getData().toStringUtf8()).isEqualTo("\"still here\"");
    }
  }

  /**
   * A call channel spoken by hand, its replies read one message at a time, when the test asks:
   * what the gateway may send ahead is bounded by HTTP/2's window.
   */
  private static final class HandChannel implements AutoCloseable {
    private final ManagedChannel channel;
    private final LinkedBlockingQueue<ChannelReply> replies = new LinkedBlockingQueue<>();
    private final java.util.ArrayDeque<ChannelAnswer> answers = new java.util.ArrayDeque<>();
    private final AtomicReference<ClientCallStreamObserver<ChannelRequest>> stream = new AtomicReference<>();
    private final StreamObserver<ChannelRequest> requests;

    /** @param replyParts whether to open it with {@code x-easyremote-reply-parts} (large answers in parts) */
    HandChannel(String address, boolean replyParts) {
      channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
      io.grpc.Metadata headers = new io.grpc.Metadata();
      if (replyParts) {
        headers.put(io.easyremote.protocol.internal.Metadata.REPLY_PARTS, "1");
      }
      requests = GatewayGrpc.newStub(ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)))
          .callChannel(new ClientResponseObserver<ChannelRequest, ChannelReply>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ChannelRequest> requests) {
              requests.disableAutoRequestWithInitial(1);
              stream.set(requests);
            }

            @Override
            public void onNext(ChannelReply reply) {
              replies.add(reply);
            }

            @Override
            public void onError(Throwable t) { }

            @Override
            public void onCompleted() { }
          });
    }

    void send(ChannelRequest request) {
      requests.onNext(request);
    }

    ChannelReply next() throws InterruptedException {
      ChannelReply reply = replies.poll(30, TimeUnit.SECONDS);
      assertThat(reply).as("a message on the call channel").isNotNull();
      stream.get().request(1);
      return reply;
    }

    /** The next answer, whichever message carries it (answers ready together share one). */
    ChannelAnswer nextAnswer() throws InterruptedException {
      while (answers.isEmpty()) {
        answers.addAll(next().getAnswersList());
      }
      return answers.poll();
    }

    @Override
    public void close() throws InterruptedException {
      requests.onCompleted();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A call to {@code function} with raw bytes, declaring {@code size} bytes, {@code first} being the first part. */
  private static ChannelRequest bigCall(long id, String function, long size, ByteString first) {
    return ChannelRequest.newBuilder().setCall(ChannelCall.newBuilder().setId(id).setDeadlineMs(30_000).setPayloadSize(size)
        .setRequest(CallRequest.newBuilder().setFunction(function)
            .setPayload(Payload.newBuilder().setData(first).setEncoding(Encoding.BINARY)))).build();
  }

  private static ChannelRequest part(long id, ByteString data) {
    return ChannelRequest.newBuilder().setPart(PayloadPart.newBuilder().setCallId(id).setData(data)).build();
  }

  private static ChannelRequest channelCall(long id, String function, String json) {
    return ChannelRequest.newBuilder().setCall(ChannelCall.newBuilder().setId(id).setDeadlineMs(30_000)
        .setRequest(CallRequest.newBuilder().setFunction(function).setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8(json)))))
        .build();
  }

  @Test
  void resultInParts_overTheGatewaysLimit_orForACallNeverSent_isRefused_andTheLinkKeepsServing() throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    try {
      RawNodeLink raw = new RawNodeLink(channel);
      raw.out.onNext(NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId("liar").setMaxConcurrency(4).setParts(true)
          .addFunctions(FunctionSpec.newBuilder().setName("liar"))).build());
      assertThat(raw.next().hasWelcome()).isTrue();

      CompletableFuture<String> call = cluster.client().callAsync("liar", String.class, "x");
      Invoke invoke = nextInvoke(raw);
      raw.out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(invoke.getCallId()).setPayloadSize(LIMIT + 1L)
          .setPayload(Payload.newBuilder().setData(ByteString.copyFrom(new byte[PartQueue.PART_BYTES])))).build());
      assertThat(call).failsWithin(Duration.ofSeconds(10)).withThrowableThat().havingCause()
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
            assertThat(e.getMessage()).contains("liar", "80.0 MiB");
          });
      // A result in parts for a call this node was never sent is ignored at once, not kept to be put together.
      long ignored = cluster.gateway().ignoredFrames();
      raw.out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(987_654_321L).setPayloadSize(LIMIT)
          .setPayload(Payload.newBuilder().setData(ByteString.copyFrom(new byte[PartQueue.PART_BYTES])))).build());
      await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().ignoredFrames() == ignored + 1);
      // A part for the refused call afterwards is ignored, and the next call on the same link is served.
      raw.out.onNext(NodeFrame.newBuilder().setPart(PayloadPart.newBuilder().setCallId(invoke.getCallId())
          .setData(ByteString.copyFrom(new byte[10]))).build());
      CompletableFuture<String> next = cluster.client().callAsync("liar", String.class, "y");
      Invoke second = nextInvoke(raw);
      raw.out.onNext(result(second.getCallId(), ByteString.copyFromUtf8("\"y\""), Encoding.JSON));
      assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("y");
      raw.out.onCompleted();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Invoke nextInvoke(RawNodeLink raw) throws InterruptedException {
    while (true) {
      GatewayFrame frame = raw.next();
      if (frame.hasInvoke()) {
        return frame.getInvoke();
      }
    }
  }

  private static NodeFrame result(long callId, ByteString data, Encoding encoding) {
    return NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(callId)
        .setPayload(Payload.newBuilder().setData(data).setEncoding(encoding))).build();
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(Integer n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }
}
