package io.easyremote.node.internal.link;

import io.easyremote.node.internal.exec.CallRunner;
import io.easyremote.node.internal.exec.FrameSink;
import io.easyremote.node.internal.probe.OshiResourceProbe;
import io.easyremote.node.internal.probe.ResourceProbe;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.FramePacker;
import io.easyremote.protocol.internal.GrpcNettyDefaults;
import io.easyremote.protocol.internal.PartAssembler;
import io.easyremote.protocol.internal.PartQueue;
import io.easyremote.protocol.internal.TlsProblems;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Drain;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Heartbeat;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeFrames;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.PayloadPart;
import io.easyremote.protocol.wire.Result;
import io.easyremote.protocol.wire.Welcome;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of {@code NodeLink.Connect}: dials the gateway (the next address of the list on
 * each attempt), says Hello, serves frames, heartbeats, and reconnects with jittered exponential
 * backoff whenever the stream breaks, until closed. Thread-safe.
 */
public final class GatewayLink {
  private static final Logger log = LoggerFactory.getLogger(GatewayLink.class);
  private static final int MAX_MESSAGE_BYTES = 64 << 20;

  static {
    GrpcNettyDefaults.apply(); // before the first channel starts gRPC's Netty
  }

  /** What the node must hear about. */
  public interface Events {
    /** The gateway asked this node to drain for good (an operator's drain). */
    void drainRequested(String reason);
  }

  private final List<String> addresses;
  private final Hello hello;
  private final CallRunner runner;
  private final ScheduledExecutorService scheduler;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Events events;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private ResourceProbe probe;
  private Connection current;
  private ScheduledFuture<?> heartbeat;
  private volatile io.easyremote.protocol.wire.Resources lastResources;
  private int attempt;
  private boolean closed;
  private CompletableFuture<Welcome> firstWelcome;
  private volatile CompletableFuture<Void> drainAck;
  private volatile Status lastFailure;
  private volatile String lastTlsProblem;

  private final ChannelCredentials credentials;
  private final boolean tls;
  /** The link's own transport thread, made at the first dial and stopped by {@link #close}; under {@link #lock}. */
  private EventLoopGroup transport;

  public GatewayLink(List<String> addresses, ChannelCredentials credentials, Hello hello, CallRunner runner,
      ScheduledExecutorService scheduler, Duration initialBackoff, Duration maxBackoff, Events events) {
    this.credentials = credentials;
    this.tls = !(credentials instanceof io.grpc.InsecureChannelCredentials);
    this.addresses = List.copyOf(addresses);
    this.hello = hello;
    this.runner = runner;
    this.scheduler = scheduler;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.events = events;
  }

  /**
   * Connects and waits for the first Welcome, retrying refused connections until
   * {@code timeout}. A Rejected answer ends the attempt at once.
   *
   * @throws RemoteException the gateway's rejection, or UNAVAILABLE naming the addresses
   */
  public Welcome start(Duration timeout) {
    CompletableFuture<Welcome> welcome = new CompletableFuture<>();
    lock.lock();
    try {
      firstWelcome = welcome;
    } finally {
      lock.unlock();
    }
    dial();
    try {
      return welcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      close();
      throw e.getCause() instanceof RemoteException r ? r : new RemoteException(ErrorCode.INTERNAL, String.valueOf(e.getCause()));
    } catch (java.util.concurrent.TimeoutException e) {
      close();
      Status last = lastFailure;
      String tls = lastTlsProblem;
      String hint = tls != null ? " " + tls : ": is it running and reachable?" + (plaintextToTls(last)
          ? " If the gateway uses TLS, dial it with ComputeNode.builder().tls(caPem) (CLI: --tls-ca FILE)." : "");
      throw new RemoteException(ErrorCode.UNAVAILABLE, "Could not register with the gateway at " + String.join(", ", addresses)
          + " within " + timeout.toMillis() + " ms" + hint
          + (last == null || tls != null ? "" : " Last error: " + last.getCode() + (last.getDescription() == null ? "" : " " + last.getDescription())
              + (last.getCause() == null ? "" : " (" + rootMessage(last.getCause()) + ")")));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new RemoteException(ErrorCode.CANCELLED, "Interrupted while connecting to the gateway");
    }
  }

  /** Whether a gateway stream is open and welcomed now. */
  public boolean isConnected() {
    lock.lock();
    try {
      return current != null && current.welcomed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Tells the gateway to stop routing calls here (the first step of a graceful drain) and waits,
   * up to {@code timeout}, for its acknowledgement: after it, no new call can arrive.
   */
  public void announceDrain(String reason, Duration timeout) throws InterruptedException {
    Connection c = connection();
    if (c == null) {
      return;
    }
    CompletableFuture<Void> acked = new CompletableFuture<>();
    drainAck = acked;
    if (c.send(NodeFrame.newBuilder().setDrain(Drain.newBuilder().setReason(reason)).build())) {
      try {
        acked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        log.debug("No drain acknowledgement from the gateway: {}", e.toString());
      }
    }
  }

  /** Stops reconnecting, completes the stream and shuts the channels down. Idempotent. */
  public void close() {
    Connection c;
    EventLoopGroup loop;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true; // from now on dial() makes no transport thread
      c = current;
      current = null;
      loop = transport;
      if (heartbeat != null) {
        heartbeat.cancel(false);
      }
    } finally {
      lock.unlock();
    }
    if (c != null) {
      c.complete();
    }
    for (ManagedChannel channel : channels.values()) {
      channel.shutdown();
    }
    for (ManagedChannel channel : channels.values()) {
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (loop != null) {
      loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }
  }

  private Connection connection() {
    lock.lock();
    try {
      return current;
    } finally {
      lock.unlock();
    }
  }

  private void dial() {
    String address;
    EventLoopGroup loop;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      address = addresses.get(attempt % addresses.size());
      // The link's transport thread: one, since the link has one connection at a time. Its own
      // rather than gRPC's shared one, so that the link's frames can be written there in batches
      // (Connection.send), and so that it stops with the node (close()).
      if (transport == null) {
        ThreadFactory threads = new DefaultThreadFactory("easyremote-node-io", true);
        transport = Epoll.isAvailable() ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
      }
      loop = transport;
    } finally {
      lock.unlock();
    }
    // Gateway frames are handled on the transport thread: an Invoke only queues work on the
    // function executor, which never blocks or starts a thread there (see FunctionExecutors), so
    // each call saves a hand-off through gRPC's executor (scripts/bench, Java 17: relayed p50
    // 391 -> 306 us, node CPU per call 48 -> 27 us).
    ManagedChannel channel = channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a, credentials)
        .eventLoopGroup(loop)
        .channelType(loop instanceof EpollEventLoopGroup ? EpollSocketChannel.class : NioSocketChannel.class)
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .keepAliveTime(20, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .build());
    // Our jittered backoff decides when to dial again; gRPC's own connect backoff (up to two
    // minutes after repeated failures) would otherwise keep a node away from a restarted gateway
    // long after it is back.
    channel.resetConnectBackoff();
    Connection connection = new Connection(address, loop.next());
    lock.lock();
    try {
      if (closed) {
        return;
      }
      current = connection;
    } finally {
      lock.unlock();
    }
    try {
      connection.open(NodeLinkGrpc.newStub(channel));
      connection.send(NodeFrame.newBuilder().setHello(hello.toBuilder().setResources(Wire.toWire(sample()))).build());
    } catch (RuntimeException e) {
      connection.lost(Status.fromThrowable(e));
    }
  }

  private void scheduleReconnect() {
    long delay;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      long ceiling = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(attempt, 20));
      delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
      attempt++;
    } finally {
      lock.unlock();
    }
    scheduler.schedule(this::dial, delay, TimeUnit.MILLISECONDS);
  }

  /** Claims the first Welcome's future to fail it; false if a Welcome or a rejection came first. */
  private boolean failStart(CompletableFuture<Welcome> first) {
    lock.lock();
    try {
      if (firstWelcome != first) {
        return false;
      }
      firstWelcome = null;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** What grpc-java reports when a TLS server hangs up on a plaintext HTTP/2 preface. */
  private boolean plaintextToTls(Status status) {
    return status != null && !tls && "Network closed for unknown reason".equals(status.getDescription());
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private io.easyremote.protocol.NodeResources sample() {
    lock.lock();
    try {
      if (probe == null) {
        probe = new OshiResourceProbe();
      }
      return probe.sample();
    } catch (RuntimeException | LinkageError e) {
      log.debug("Resource probe failed: {}", e.toString());
      return io.easyremote.protocol.NodeResources.UNKNOWN;
    } finally {
      lock.unlock();
    }
  }

  private void welcomed(Connection connection, Welcome welcome) {
    CompletableFuture<Welcome> first;
    lock.lock();
    try {
      if (current != connection) {
        return;
      }
      connection.welcomed = true;
      if (welcome.getBatches()) {
        connection.packFrames();
      }
      if (welcome.getParts()) {
        connection.sendInParts();
      }
      if (welcome.getMaxPayloadBytes() > 0) {
        connection.payloadLimit = welcome.getMaxPayloadBytes();
      }
      attempt = 0;
      lastTlsProblem = null;
      first = firstWelcome;
      firstWelcome = null;
      if (heartbeat != null) {
        heartbeat.cancel(false);
      }
      long every = welcome.getHeartbeatIntervalMs() > 0 ? welcome.getHeartbeatIntervalMs() : 1000;
      heartbeat = scheduler.scheduleAtFixedRate(() -> beat(connection), every, every, TimeUnit.MILLISECONDS);
    } finally {
      lock.unlock();
    }
    runner.maxPayloadBytes(welcome.getMaxPayloadBytes());
    if (first != null) {
      first.complete(welcome);
    } else {
      log.info("Node '{}' registered again with the gateway at {}", hello.getNodeId(), connection.address);
    }
  }

  private void beat(Connection connection) {
    if (connection.isOpen()) {
      io.easyremote.protocol.wire.Resources resources = Wire.toWire(sample());
      lastResources = resources;
      connection.send(NodeFrame.newBuilder().setHeartbeat(Heartbeat.newBuilder()
          .setResources(resources).setInFlight(runner.inFlight())).build());
    }
  }

  /**
   * The gateway heard nothing for a while and pinged: answer at once, on the transport thread,
   * with the last sampled resources (sampling can be slow, and a node whose heartbeat timer is
   * starved must still prove it is alive, or the gateway gives its calls up).
   */
  private void pong(Connection connection) {
    io.easyremote.protocol.wire.Resources resources = lastResources;
    Heartbeat.Builder beat = Heartbeat.newBuilder().setInFlight(runner.inFlight());
    if (resources != null) {
      beat.setResources(resources);
    }
    connection.send(NodeFrame.newBuilder().setHeartbeat(beat).build());
  }

  private void connectionLost(Connection connection, Status status) {
    CompletableFuture<Welcome> first;
    lock.lock();
    try {
      if (current != connection) {
        return;
      }
      current = null;
      first = firstWelcome;
      if (heartbeat != null) {
        heartbeat.cancel(false);
        heartbeat = null;
      }
    } finally {
      lock.unlock();
    }
    runner.cancelAll();
    lastFailure = status;
    String tlsProblem = TlsProblems.describe(status.getCause(), "gateway " + connection.address,
        "ComputeNode.builder().tls(caPem) (CLI: --tls-ca FILE)");
    if (tlsProblem != null && first != null && addresses.size() == 1 && failStart(first)) {
      // start() is waiting and retrying will not change the certificates: say so now, not at the connect timeout.
      first.completeExceptionally(new RemoteException(ErrorCode.UNAVAILABLE,
          "Could not register with the gateway at " + connection.address + ". " + tlsProblem));
      return;
    }
    if (tlsProblem != null) {
      String previous = lastTlsProblem;
      lastTlsProblem = tlsProblem; // kept: later attempts on the same channel may fail with less detail
      if (first == null && !tlsProblem.equals(previous)) {
        log.warn("Node '{}': {}", hello.getNodeId(), tlsProblem); // reconnecting, so start() will not say it
      }
    }
    if (connection.welcomed) {
      log.warn("Lost the gateway at {} ({}); reconnecting", connection.address, status.getCode());
    } else if (first == null) {
      log.debug("Connecting to {} failed: {}", connection.address, status);
    }
    scheduleReconnect();
  }

  private void rejected(Connection connection, io.easyremote.protocol.wire.Error error) {
    CompletableFuture<Welcome> first;
    lock.lock();
    try {
      first = firstWelcome;
      firstWelcome = null;
      if (first != null) {
        closed = true;
        current = null;
      }
    } finally {
      lock.unlock();
    }
    connection.complete();
    if (first != null) {
      first.completeExceptionally(Wire.toException(error));
    } else {
      log.error("The gateway at {} rejected node '{}': {} {}", connection.address, hello.getNodeId(),
          Wire.fromWire(error.getCode()), error.getMessage());
    }
  }

  /**
   * One attempt's stream. Frames arrive on gRPC's thread one at a time. Writes are serialised
   * without making any sender wait: {@link #send} queues the frame, and the transport thread
   * writes the queue (a thread that finds the queue's lock taken leaves the frame to the writer,
   * which looks at the queue again after releasing the lock). With a lock that senders waited
   * for, calls finishing together parked their function threads on it, thousands with 10,000
   * calls in flight, and the transport thread answering the gateway's ping waited in the same
   * line. To a gateway that reads batches ({@code Welcome.batches}), the frames one drain writes
   * go as one {@code NodeFrames} message.
   *
   * <p>Large payloads go in parts both ways ({@link PartQueue}): an Invoke's arrive here and are
   * put back together before the call runs; a result's parts are written, to a gateway that reads
   * them ({@code Welcome.parts}), only while the stream is ready and after every other frame.
   */
  private final class Connection implements FrameSink, ClientResponseObserver<NodeFrame, GatewayFrame> {
    final String address;
    /** The connection's transport thread, where its frames are written ({@link #send}). */
    private final EventLoop loop;
    /** Whether a write of the outbox is queued on {@link #loop}. */
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private final Runnable drainOnLoop = this::drainQueuedOnLoop;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<NodeFrame> outbox = new ConcurrentLinkedQueue<>();
    private volatile StreamObserver<NodeFrame> out; // set under writeLock
    private volatile boolean open = true; // cleared under writeLock
    private FramePacker<NodeFrame> packer = new FramePacker<>(null, this::write); // under writeLock
    /** Parts of large results still to write; null until the gateway says it reads them. Under writeLock. */
    private PartQueue parts;
    /** Whether parts wait to be written (set under writeLock). */
    private volatile boolean partsWaiting;
    /** Invoke payloads arriving in parts, put back together; used on the stream's own thread. */
    private final PartAssembler<Invoke> invokes = new PartAssembler<>();
    /** The largest call payload put back together from parts: the gateway's limit, from its Welcome. */
    volatile long payloadLimit = MAX_MESSAGE_BYTES;
    volatile boolean welcomed;

    Connection(String address, EventLoop loop) {
      this.address = address;
      this.loop = loop;
    }

    void open(NodeLinkGrpc.NodeLinkStub stub) {
      writeLock.lock();
      try {
        out = stub.connect(this);
      } finally {
        writeLock.unlock();
      }
    }

    boolean isOpen() {
      return open;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<NodeFrame> requestStream) {
      requestStream.setOnReadyHandler(this::writable);
    }

    /** The gateway reads large results in parts: from now on, they go so. */
    void sendInParts() {
      writeLock.lock();
      try {
        parts = new PartQueue();
      } finally {
        writeLock.unlock();
      }
    }

    /** The stream can take more: the parts that wait go on. */
    private void writable() {
      while (partsReady() && writeLock.tryLock()) {
        try {
          drain();
        } finally {
          writeLock.unlock();
        }
      }
    }

    /** The gateway reads batches: from now on, frames written together go as one. */
    void packFrames() {
      writeLock.lock();
      try {
        packer = new FramePacker<>(frames -> NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addAllFrames(frames)).build(),
            this::write);
      } finally {
        writeLock.unlock();
      }
    }

    /**
     * Queues a frame; the transport thread writes the queue, in order. The frames queued while
     * that thread is busy (a fast producer's stream items, the results of calls that finished
     * together) go as one message: a message per batch, not per frame, and the sending thread
     * never waits for the stream.
     */
    @Override
    public boolean send(NodeFrame frame) {
      if (!open || out == null) {
        return false;
      }
      outbox.add(frame);
      if (drainQueued.compareAndSet(false, true)) {
        try {
          loop.execute(drainOnLoop);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          drainQueued.set(false); // the node is closing: write here
          drainNow();
        }
      }
      return true;
    }

    private void drainQueuedOnLoop() {
      drainQueued.set(false);
      drainNow();
    }

    /** Writes the queue unless another thread is writing, which then writes it too. */
    private void drainNow() {
      while ((!outbox.isEmpty() || partsReady()) && writeLock.tryLock()) {
        try {
          drain();
        } finally {
          writeLock.unlock();
        }
      }
    }

    /** Writes what is queued, in order; once the stream is closed, what is queued is dropped. Under writeLock. */
    private void drain() {
      NodeFrame frame;
      while ((frame = outbox.poll()) != null) {
        if (open) {
          packer.add(parts == null ? frame : firstPart(frame));
        }
      }
      packer.flush();
      if (parts != null) {
        writeParts();
      }
    }

    /** {@code frame}, or a result's first part when its payload goes in parts (the rest queued). Under writeLock. */
    private NodeFrame firstPart(NodeFrame frame) {
      if (frame.getKindCase() != NodeFrame.KindCase.RESULT || !PartQueue.inParts(frame.getResult().getPayload().getData())) {
        return frame;
      }
      Result result = frame.getResult();
      com.google.protobuf.ByteString data = result.getPayload().getData();
      parts.addRest(result.getCallId(), data);
      return NodeFrame.newBuilder().setResult(result.toBuilder().setPayloadSize(data.size())
          .setPayload(result.getPayload().toBuilder().setData(PartQueue.firstPart(data)))).build();
    }

    /** Whether parts wait and the stream can take one now. */
    private boolean partsReady() {
      return partsWaiting && (!(out instanceof io.grpc.stub.CallStreamObserver<?> stream) || stream.isReady());
    }

    /** Writes waiting parts while the stream is ready; {@link #writable()} resumes when it is again. Under writeLock. */
    private void writeParts() {
      while (open && !parts.isEmpty() && (!(out instanceof io.grpc.stub.CallStreamObserver<?> stream) || stream.isReady())) {
        PartQueue.Part part = parts.next();
        write(NodeFrame.newBuilder().setPart(PayloadPart.newBuilder().setCallId(part.callId()).setData(part.data())).build());
      }
      partsWaiting = open && !parts.isEmpty();
    }

    /** Writes one frame (or pack). Under writeLock. */
    private void write(NodeFrame frame) {
      if (!open) {
        return;
      }
      try {
        out.onNext(frame);
      } catch (RuntimeException e) {
        log.debug("Send to the gateway failed: {}", e.toString());
      }
    }

    void complete() {
      writeLock.lock();
      try {
        drain();
        if (open && out != null) {
          open = false;
          out.onCompleted();
        }
        open = false;
      } catch (RuntimeException e) {
        log.debug("Completing the gateway stream failed: {}", e.toString());
      } finally {
        writeLock.unlock();
      }
    }

    void lost(Status status) {
      writeLock.lock();
      try {
        open = false;
      } finally {
        writeLock.unlock();
      }
      connectionLost(this, status);
    }

    @Override
    public void onNext(GatewayFrame frame) {
      if (frame.getKindCase() == GatewayFrame.KindCase.BATCH) {
        for (GatewayFrame each : frame.getBatch().getFramesList()) {
          if (each.getKindCase() != GatewayFrame.KindCase.BATCH) {
            onNext(each);
          }
        }
        return;
      }
      switch (frame.getKindCase()) {
        case WELCOME -> welcomed(this, frame.getWelcome());
        case REJECTED -> rejected(this, frame.getRejected().getError());
        case INVOKE -> invoke(frame.getInvoke());
        case PART -> part(frame.getPart());
        case CANCEL -> cancel(frame.getCancel().getCallId(),
            frame.getCancel().getReason().contains("deadline") ? ErrorCode.DEADLINE_EXCEEDED : ErrorCode.CANCELLED);
        case CREDIT -> runner.credit(frame.getCredit().getCallId(), frame.getCredit().getN());
        case PING -> pong(this);
        case DRAIN -> {
          CompletableFuture<Void> ack = drainAck;
          if (ack != null) {
            ack.complete(null); // our own drain, acknowledged
          } else if (frame.getDrain().getReconnect()) {
            log.info("The gateway at {} is going away ({}); will reconnect", address, frame.getDrain().getReason());
          } else {
            events.drainRequested(frame.getDrain().getReason());
          }
        }
        default -> log.trace("Ignored a {} frame", frame.getKindCase());
      }
    }

    /** A call, whole or with the first part of a payload that follows in parts. */
    private void invoke(Invoke invoke) {
      if (invoke.getPayloadSize() == 0) {
        runner.invoke(invoke, this);
        return;
      }
      try {
        invokes.start(invoke.getCallId(), invoke, invoke.getPayloadSize(), invoke.getPayload().getData(), payloadLimit);
      } catch (PartAssembler.Refused e) {
        refuse(invoke.getCallId(), ErrorCode.PAYLOAD_TOO_LARGE, "The call's " + e.getMessage() + " on this node.");
      }
    }

    /** The next part of a call's payload; the call runs once the last part came. */
    private void part(PayloadPart part) {
      try {
        PartAssembler.Whole<Invoke> whole = invokes.add(part.getCallId(), part.getData());
        if (whole != null) {
          Invoke head = whole.head();
          runner.invoke(head.toBuilder().clearPayloadSize().setPayload(head.getPayload().toBuilder().setData(whole.data())).build(), this);
        }
      } catch (PartAssembler.Refused e) {
        refuse(part.getCallId(), ErrorCode.INVALID_REQUEST, "The gateway sent a malformed call: " + e.getMessage() + ".");
      }
    }

    /**
     * The gateway gave up on a call: a running one is interrupted; one whose payload was still
     * coming in parts never runs, and is answered at once (every Invoke gets its Result, which
     * frees the node's slot at the gateway).
     */
    private void cancel(long callId, ErrorCode reason) {
      Invoke partial = invokes.drop(callId);
      if (partial == null) {
        runner.cancel(callId, reason);
        return;
      }
      send(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(callId).setError(Wire.error(reason,
          "'" + partial.getFunction() + "' was cancelled before its arguments had all arrived; it did not run."))).build());
    }

    private void refuse(long callId, ErrorCode code, String message) {
      log.warn("Node '{}' refused call {}: {}", hello.getNodeId(), callId, message);
      send(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(callId).setError(Wire.error(code, message))).build());
    }

    @Override
    public void onError(Throwable t) {
      lost(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      complete();
      lost(Status.UNAVAILABLE.withDescription("the gateway closed the stream"));
    }
  }
}
