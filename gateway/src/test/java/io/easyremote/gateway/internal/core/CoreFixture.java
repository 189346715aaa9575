package io.easyremote.gateway.internal.core;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.Payload;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** What the core's unit tests share: a fake clock, the routing lock, nodes that record their frames, sinks that record outcomes. */
final class CoreFixture {
  static final Duration HEARTBEAT = Duration.ofMillis(1000);

  final FakeClock clock = new FakeClock();
  final ReentrantLock lock = new ReentrantLock();

  /** Waits up to {@code seconds} for {@code latch} on a thread that may not throw (an event loop held in one turn). */
  static void awaitQuietly(CountDownLatch latch, long seconds) {
    try {
      latch.await(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Settings for tests: 1 s heartbeats, 10 s node timeout, 3 failures eject for 1 s, no grace, no warm-up. */
  static SchedulerSettings settings() {
    return settings(Duration.ZERO, 4);
  }

  static SchedulerSettings settings(Duration registrationGrace, int queuePerFunction) {
    return new SchedulerSettings(1024, queuePerFunction, 100, HEARTBEAT, Duration.ofSeconds(10), Strategy.ROUND_ROBIN,
        Duration.ZERO, 3, Duration.ofSeconds(1), registrationGrace, Duration.ofMinutes(10));
  }

  static FunctionSpec fn(String name) {
    return FunctionSpec.newBuilder().setName(name).build();
  }

  static FunctionSpec idempotent(String name) {
    return FunctionSpec.newBuilder().setName(name).setIdempotent(true).build();
  }

  static FunctionSpec streaming(String name) {
    return FunctionSpec.newBuilder().setName(name).setStreaming(true).build();
  }

  static Hello hello(String nodeId, int slots, FunctionSpec... functions) {
    return Hello.newBuilder().setNodeId(nodeId).setMaxConcurrency(slots).addAllFunctions(List.of(functions)).build();
  }

  static Hello hello(String nodeId, int slots, Map<String, String> labels, FunctionSpec... functions) {
    return hello(nodeId, slots, functions).toBuilder().putAllLabels(labels).build();
  }

  static Payload payload(String text) {
    return Payload.newBuilder().setData(ByteString.copyFromUtf8(text)).build();
  }

  /** A node's session with the frames written to it. */
  record FakeNode(NodeSession session, Frames frames) {}

  /** A node session outside any scheduler, on this fixture's lock and clock. */
  FakeNode node(String nodeId, int slots, FunctionSpec... functions) {
    return node(hello(nodeId, slots, functions), null);
  }

  FakeNode node(Hello hello, String principal) {
    Frames frames = new Frames();
    return new FakeNode(new NodeSession(UUID.randomUUID().toString(), hello, principal, frames, 0, lock, clock), frames);
  }

  /** A unary call to {@code function} due in {@code deadline}. */
  CallRequestSpec unary(String function, Duration deadline) {
    return CallRequestSpec.unary(function, null, payload("[]"), "tester", clock.nanoTime() + deadline.toNanos());
  }

  /** A call as the core holds it, completing into {@code sink}. */
  PendingCall call(long id, CallRequestSpec request, CallSink sink) {
    return new PendingCall(id, request, sink, CallListener.NONE, lock, clock);
  }

  /** The frames written to a node's stream, in order. */
  static final class Frames implements StreamObserver<GatewayFrame> {
    private final List<GatewayFrame> frames = new ArrayList<>();
    private boolean completed;

    @Override
    public synchronized void onNext(GatewayFrame frame) {
      frames.add(frame);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public synchronized void onCompleted() {
      completed = true;
    }

    synchronized List<GatewayFrame> all() {
      return List.copyOf(frames);
    }

    /** The kinds of frames written, in order: INVOKE, CANCEL, ... */
    synchronized List<GatewayFrame.KindCase> kinds() {
      return frames.stream().map(GatewayFrame::getKindCase).toList();
    }

    /** The call ids of the Invokes written, in order. */
    synchronized List<Long> invoked() {
      return frames.stream().filter(GatewayFrame::hasInvoke).map(f -> f.getInvoke().getCallId()).toList();
    }

    synchronized boolean completed() {
      return completed;
    }
  }

  /** A sink that records how its call ended. */
  static class Outcome implements StreamSink {
    final List<String> nodes = new ArrayList<>();
    final List<Payload> items = new ArrayList<>();
    volatile Payload result;
    volatile Error error;
    volatile long ended = -1;
    volatile int completions;

    @Override
    public void onResult(Payload payload, String nodeId) {
      result = payload;
      completions++;
    }

    @Override
    public void onError(Error e) {
      error = e;
      completions++;
    }

    @Override
    public void onItem(Payload payload, String nodeId) {
      items.add(payload);
    }

    @Override
    public void onEnd(long count, String nodeId) {
      ended = count;
      completions++;
    }

    @Override
    public Map<String, String> onDispatch(String nodeId, int attempt) {
      nodes.add(nodeId);
      return Map.of();
    }

    /** The error code, or null when it did not fail. */
    io.easyremote.protocol.ErrorCode code() {
      Error e = error;
      return e == null ? null : io.easyremote.protocol.internal.Wire.fromWire(e.getCode());
    }
  }
}
