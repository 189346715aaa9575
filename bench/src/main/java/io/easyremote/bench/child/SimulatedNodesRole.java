package io.easyremote.bench.child;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.Version;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Heartbeat;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.Parameter;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Resources;
import io.easyremote.protocol.wire.Result;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many lightweight nodes in one process, each a real {@code NodeLink.Connect} stream that says
 * Hello with a few functions, heartbeats at the interval the gateway asks for, and answers any
 * Invoke with {@code "ok"}. Args: {@code gateway prefix count}. Command {@code connect} opens
 * them all and answers {@code connected <n> <millis>} once every one is welcomed.
 */
final class SimulatedNodesRole implements ChildRole {
  private static final int NODES_PER_CHANNEL = 1000;
  private static final int FUNCTIONS_PER_NODE = 3;
  private static final Payload OK = Payload.newBuilder().setData(ByteString.copyFromUtf8("\"ok\"")).build();

  private final String gateway;
  private final String prefix;
  private final int count;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Queue<SimulatedNode> nodes = new ConcurrentLinkedQueue<>();
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger rejected = new AtomicInteger();
  private final AtomicLong heartbeatMillis = new AtomicLong();

  SimulatedNodesRole(String[] args) {
    this.gateway = args[0];
    this.prefix = args[1];
    this.count = Integer.parseInt(args[2]);
  }

  @Override
  public Map<String, String> start() {
    String host = gateway.substring(0, gateway.lastIndexOf(':'));
    int port = Integer.parseInt(gateway.substring(gateway.lastIndexOf(':') + 1));
    for (int i = 0; i < (count + NODES_PER_CHANNEL - 1) / NODES_PER_CHANNEL; i++) {
      channels.add(NettyChannelBuilder.forAddress(host, port).usePlaintext().build());
    }
    // Heartbeats start now, not once every node is welcomed: connecting thousands takes seconds,
    // and the gateway drops a node that stays silent for three intervals after its Welcome.
    heartbeats.scheduleWithFixedDelay(() -> nodes.forEach(SimulatedNode::heartbeat), 200, 200, TimeUnit.MILLISECONDS);
    return Map.of("count", Integer.toString(count));
  }

  @Override
  public String command(String line) throws InterruptedException {
    if (!line.equals("connect")) {
      return "error unknown command " + line;
    }
    CountDownLatch welcomed = new CountDownLatch(count);
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      SimulatedNode node = new SimulatedNode(prefix + "-" + i, welcomed);
      nodes.add(node);
      node.connect(NodeLinkGrpc.newStub(channels.get(i / NODES_PER_CHANNEL)));
    }
    if (!welcomed.await(120, TimeUnit.SECONDS)) {
      return "error only " + (count - welcomed.getCount()) + " of " + count + " nodes were welcomed in 120 s";
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    return "connected " + (count - rejected.get()) + " " + millis;
  }

  @Override
  public void close() {
    heartbeats.shutdownNow();
    nodes.forEach(SimulatedNode::close);
    channels.forEach(ManagedChannel::shutdownNow);
  }

  /** One simulated node: its stream, serialised writes, and canned answers. */
  private final class SimulatedNode implements StreamObserver<GatewayFrame> {
    private final String id;
    private final CountDownLatch welcomed;
    private StreamObserver<NodeFrame> out;
    private long welcomedAt;
    private long lastBeat;

    SimulatedNode(String id, CountDownLatch welcomed) {
      this.id = id;
      this.welcomed = welcomed;
    }

    void connect(NodeLinkGrpc.NodeLinkStub stub) {
      Hello.Builder hello = Hello.newBuilder().setNodeId(id).setVersion(Version.CURRENT).setMaxConcurrency(4)
          .setResources(Resources.newBuilder().setCpuCores(1).setMemoryTotalBytes(1L << 30).setMemoryFreeBytes(1L << 29));
      for (int f = 0; f < FUNCTIONS_PER_NODE; f++) {
        hello.addFunctions(FunctionSpec.newBuilder().setName("sim.f" + f)
            .addParameters(Parameter.newBuilder().setName("x").setSchema("{\"type\":\"string\"}"))
            .setResultSchema("{\"type\":\"string\"}").setIdempotent(true));
      }
      synchronized (this) {
        out = stub.connect(this);
        out.onNext(NodeFrame.newBuilder().setHello(hello).build());
      }
    }

    /** Beats once per interval the gateway asked for, counted from its Welcome. */
    synchronized void heartbeat() {
      long interval = heartbeatMillis.get() * 1_000_000;
      if (out != null && welcomedAt != 0 && System.nanoTime() - lastBeat >= interval - 150_000_000L) {
        lastBeat = System.nanoTime();
        out.onNext(NodeFrame.newBuilder().setHeartbeat(Heartbeat.newBuilder().setResources(Resources.newBuilder().setCpuCores(1))).build());
      }
    }

    synchronized void close() {
      if (out != null) {
        out.onCompleted();
        out = null;
      }
    }

    @Override
    public void onNext(GatewayFrame frame) {
      switch (frame.getKindCase()) {
        case WELCOME -> {
          heartbeatMillis.compareAndSet(0, frame.getWelcome().getHeartbeatIntervalMs());
          synchronized (this) {
            welcomedAt = System.nanoTime();
            lastBeat = welcomedAt;
          }
          welcomed.countDown();
        }
        case REJECTED -> {
          System.err.println(id + " rejected: " + frame.getRejected().getError().getMessage());
          rejected.incrementAndGet();
          welcomed.countDown();
        }
        case INVOKE -> {
          synchronized (this) {
            if (out != null) {
              out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder()
                  .setCallId(frame.getInvoke().getCallId()).setPayload(OK)).build());
            }
          }
        }
        default -> { }
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        out = null;
      }
    }

    @Override
    public void onCompleted() {
      close();
    }
  }
}
