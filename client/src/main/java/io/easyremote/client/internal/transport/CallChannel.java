package io.easyremote.client.internal.transport;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Metadata;
import io.easyremote.protocol.internal.PartAssembler;
import io.easyremote.protocol.internal.PartQueue;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ChannelAnswer;
import io.easyremote.protocol.wire.ChannelCall;
import io.easyremote.protocol.wire.ChannelReply;
import io.easyremote.protocol.wire.ChannelRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.PayloadPart;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The client's end of {@code Gateway.CallChannel}: unary calls sent as tagged messages on one
 * long-lived stream per connection, instead of an HTTP/2 stream each. The stream opens with the
 * first call and again with the first call after it broke.
 *
 * <p>What stays as it was with {@code Gateway.Call}: each call has its own deadline (the gateway
 * enforces it, and a timer here fails the call at it if the gateway says nothing); cancelling a
 * call's future cancels it on the gateway; a stream that breaks fails its calls as a broken
 * connection fails unary calls ({@link StatusErrors}); each call gets its own span and trace
 * context. Replies are read on the transport's event loop, which wakes a blocking caller directly
 * and hands an async call's completion to a pool thread. A gateway without the channel (it answers
 * {@code UNIMPLEMENTED}) gets every call as {@code Gateway.Call} from then on, those already sent
 * included.
 *
 * <p>A stream holds at most {@link #MAX_IN_FLIGHT} calls; beyond that the calls go on a second
 * stream, up to {@link #MAX_LINKS}, and only then as {@code Gateway.Call}. The gateway takes a
 * stream's calls a bounded share per turn of its event loop, where a burst of thousands of
 * {@code Gateway.Call} streams was all decoded in one read and held the loop for seconds.
 *
 * <p>Large answers come in parts ({@code x-easyremote-reply-parts}; see {@code ChannelAnswer}),
 * interleaved with the other answers, and are put back together here, up to
 * {@link GatewayChannel#MAX_INBOUND_MESSAGE_BYTES}. Requests over {@link #MAX_REQUEST_BYTES} go
 * only on a stream whose gateway said it reads parts ({@code ChannelReply.reads_parts}, its first
 * message), in parts when their payload is over {@link PartQueue#PART_BYTES}: the call with its
 * first part, then the rest, written after every other message waiting and only while the stream
 * is ready, so small calls pass between the parts of a large upload. Until such a stream is open
 * (the first large call opens one), large requests go as their own {@code Gateway.Call}.
 */
public final class CallChannel {
  /**
   * Requests larger than this go on the channel only in parts, to a gateway that reads them, and
   * otherwise as their own {@code Gateway.Call}: whole, a big upload would hold the calls behind it.
   */
  public static final int MAX_REQUEST_BYTES = 64 << 10;
  /**
   * Calls in flight on the channel beyond which more go as {@code Gateway.Call}: below the
   * gateway's 10,000 per stream, which also counts calls cancelled here and not yet there.
   */
  static final int MAX_IN_FLIGHT = 8_192;
  /**
   * The stream counts as ready (for the next part of a large request) while less than this waits
   * in it: two parts, so one is on its way while the next is written (gRPC's default, 32 KiB, made
   * each 128 KiB part wait for the one before it to leave: 1 MiB echoes 10–45 % slower), and a
   * small call waits behind at most two parts.
   */
  static final int ON_READY_BYTES = 2 * PartQueue.PART_BYTES;
  /** Streams one connection opens for calls at most; calls beyond them all go as {@code Gateway.Call}. */
  static final int MAX_LINKS = 4;

  private final GatewayChannel gateway;
  private final Tracer tracer;
  private final AtomicLong ids = new AtomicLong();
  private final Object lock = new Object();
  private final ScheduledThreadPoolExecutor timers;
  private final List<Link> links = new CopyOnWriteArrayList<>(); // changed under lock
  private volatile boolean unsupported;
  /** Headers of every channel stream: this client reads answers in parts. */
  private static final io.grpc.Metadata READS_PARTS = new io.grpc.Metadata();

  static {
    READS_PARTS.put(Metadata.REPLY_PARTS, "1");
  }

  /**
   * Where the replies of calls without a caller's executor (async calls) are completed, a batch
   * per message: a link's own callbacks run on the transport's event loop, which must not run
   * the callers' code.
   */
  private static final Executor ASYNC_REPLIES = ClientCallbacks.executor();

  CallChannel(GatewayChannel gateway, OpenTelemetry openTelemetry) {
    this.gateway = gateway;
    this.tracer = openTelemetry.getTracer("io.easyremote.client");
    this.timers = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "easyremote-client-deadlines");
      t.setDaemon(true);
      return t;
    });
    timers.setRemoveOnCancelPolicy(true);
  }

  /** Whether {@code request} goes on the channel: small enough, room on the stream, and a gateway that has one. */
  boolean takes(CallRequest request) {
    if (unsupported) {
      return false;
    }
    if (request.getSerializedSize() > MAX_REQUEST_BYTES) {
      return partsLinkWithRoom(true) != null;
    }
    if (links.size() < MAX_LINKS) {
      return true;
    }
    for (Link l : links) { // a racy read is fine: the gateway's own limit is higher
      if (l.pending.size() < MAX_IN_FLIGHT) {
        return true;
      }
    }
    return false;
  }

  /**
   * Sends {@code request} with {@code timeLeft} and completes the future with what
   * {@code onReply} makes of the reply, or with a {@link RemoteException}.
   *
   * @param deadline the whole call's deadline, which a deadline failure names
   * @param callbacks where the future is completed (null: the channel's thread)
   */
  <T> RpcFuture<T> call(CallRequest request, Duration timeLeft, Duration deadline, String what,
      Function<CallReply, T> onReply, Executor callbacks) {
    RpcFuture<T> future = new RpcFuture<>();
    long id = ids.incrementAndGet();
    Span span = tracer.spanBuilder("call " + request.getFunction()).setSpanKind(SpanKind.CLIENT).setParent(Context.current())
        .setAttribute("rpc.system", "grpc").setAttribute("rpc.method", GatewayGrpc.getCallChannelMethod().getFullMethodName())
        .setAttribute("easyremote.function", request.getFunction()).startSpan();
    Map<String, String> trace = new HashMap<>(2);
    W3CTraceContextPropagator.getInstance().inject(Context.current().with(span), trace, Map::put);
    Pending<T> pending = new Pending<>(id, request, timeLeft, deadline, what, onReply, callbacks, future, span);
    ByteString payload = request.getPayload().getData();
    boolean inParts = request.getSerializedSize() > MAX_REQUEST_BYTES && PartQueue.inParts(payload);
    ChannelCall.Builder call = ChannelCall.newBuilder().setId(id).setRequest(request)
        .setDeadlineMs(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeLeft.toNanos() + 999_999))).putAllTrace(trace);
    if (inParts) {
      call.setPayloadSize(payload.size())
          .setRequest(request.toBuilder().setPayload(request.getPayload().toBuilder().setData(PartQueue.firstPart(payload))));
    }
    ChannelRequest message = ChannelRequest.newBuilder().setCall(call).build();
    try {
      Link link;
      synchronized (lock) {
        link = inParts ? partsLinkWithRoom(false) : linkWithRoom();
        if (link != null) {
          pending.link = link;
          link.pending.put(id, pending);
        }
      }
      if (link == null) { // the stream that reads parts broke since takes(): this one goes as Gateway.Call
        span.end();
        return Rpc.unary(gateway, GatewayGrpc.getCallMethod(), request, timeLeft, deadline, what, onReply, null, false, callbacks);
      }
      if (inParts) {
        link.sendInParts(message, id, payload);
      } else {
        link.send(message);
      }
      if (link.pending.containsKey(id)) { // not refused by the stream (nor answered already): no timer left waiting for nothing
        pending.timeout = timers.schedule(pending::expire, timeLeft.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (RuntimeException e) {
      if (pending.claim()) {
        pending.fail(StatusErrors.toException(gateway, what, deadline, e));
      }
    }
    future.attach(pending::cancelled);
    return future;
  }

  /** The first stream with room for a call, opening one when none has room and there may be more. Under lock. */
  private Link linkWithRoom() {
    for (Link l : links) {
      if (!l.dead && l.pending.size() < MAX_IN_FLIGHT) {
        return l;
      }
    }
    if (links.size() < MAX_LINKS) {
      Link l = new Link();
      links.add(l);
      return l;
    }
    return links.get(0); // every stream is full (takes() said yes a moment ago): the gateway's limit is higher
  }

  /**
   * A stream whose gateway reads calls in parts and that has room, or null. With {@code open}, a
   * connection with no stream yet opens one, so that the next large call finds out (its first
   * message says whether the gateway reads parts).
   */
  private Link partsLinkWithRoom(boolean open) {
    for (Link l : links) {
      if (!l.dead && l.readsParts && l.pending.size() < MAX_IN_FLIGHT) {
        return l;
      }
    }
    if (open && links.isEmpty()) {
      synchronized (lock) {
        if (links.isEmpty()) {
          links.add(new Link());
        }
      }
    }
    return null;
  }

  /** Stops the deadline timer; the stream itself ends with the gRPC channel. */
  void close() {
    timers.shutdownNow();
  }

  /** One call in flight on a link. */
  private final class Pending<T> {
    final long id;
    final CallRequest request;
    final long start = System.nanoTime();
    final Duration timeLeft;
    final Duration deadline;
    final String what;
    final Function<CallReply, T> onReply;
    final Executor callbacks;
    final RpcFuture<T> future;
    final Span span;
    volatile Link link;
    volatile ScheduledFuture<?> timeout;

    Pending(long id, CallRequest request, Duration timeLeft, Duration deadline, String what, Function<CallReply, T> onReply,
        Executor callbacks, RpcFuture<T> future, Span span) {
      this.id = id;
      this.request = request;
      this.timeLeft = timeLeft;
      this.deadline = deadline;
      this.what = what;
      this.onReply = onReply;
      this.callbacks = callbacks;
      this.future = future;
      this.span = span;
    }

    /** Takes this call off its link; true for the one caller that gets to finish it. */
    private boolean claim() {
      Link l = link;
      if (l == null || !l.pending.remove(id, this)) {
        return false;
      }
      ScheduledFuture<?> t = timeout;
      if (t != null) {
        t.cancel(false);
      }
      return true;
    }

    /**
     * Completes the call with {@code reply}: on the caller's executor when it has one, else by
     * adding the completion to {@code later}, which the link hands to {@link #ASYNC_REPLIES}.
     */
    void answer(CallReply reply, List<Runnable> later) {
      if (reply.hasError()) {
        span.setStatus(StatusCode.ERROR, reply.getError().getCode().name());
      }
      span.end();
      Runnable completion = () -> Rpc.complete(future, onReply, reply, what);
      if (callbacks == null) {
        later.add(completion);
      } else {
        deliver(completion);
      }
    }

    void fail(RemoteException e) {
      span.setStatus(StatusCode.ERROR, e.code().name());
      span.end();
      deliver(() -> future.completeExceptionally(e));
    }

    /** The deadline passed with no answer: fail it here and tell the gateway to stop it. */
    void expire() {
      Link l = link;
      if (claim()) {
        fail(StatusErrors.toException(gateway, what, deadline, Status.DEADLINE_EXCEEDED.asRuntimeException()));
        l.cancel(id);
      }
    }

    /** The caller cancelled the future: tell the gateway, which stops the call on its node. */
    void cancelled() {
      Link l = link;
      if (claim()) {
        span.setStatus(StatusCode.ERROR, "CANCELLED");
        span.end();
        l.cancel(id);
      }
    }

    /** The gateway has no call channel: send this call again as {@code Gateway.Call}, with the time it has left. */
    void resendUnary() {
      long left = timeLeft.toNanos() - (System.nanoTime() - start);
      span.end();
      RpcFuture<T> unary = Rpc.unary(gateway, GatewayGrpc.getCallMethod(), request, Duration.ofNanos(Math.max(1, left)), deadline,
          what, onReply, null, false, callbacks);
      future.attach(() -> unary.cancel(true));
      unary.whenComplete((value, failure) -> {
        if (failure != null) {
          future.completeExceptionally(failure);
        } else {
          future.complete(value);
        }
      });
    }

    private void deliver(Runnable completion) {
      if (callbacks == null) {
        completion.run();
      } else {
        try {
          callbacks.execute(completion);
        } catch (RuntimeException e) {
          completion.run();
        }
      }
    }
  }

  /** One CallChannel stream and the calls in flight on it. */
  private final class Link implements ClientResponseObserver<ChannelRequest, ChannelReply> {
    final ConcurrentHashMap<Long, Pending<?>> pending = new ConcurrentHashMap<>();
    final ClientCallStreamObserver<ChannelRequest> requests;
    /** Whether the gateway said, in its first message, that it reads calls in parts. */
    volatile boolean readsParts;
    /** The rest of large requests still to send; guarded by itself. */
    private final PartQueue uploads = new PartQueue();
    private volatile boolean uploading;
    /** Messages waiting for the stream, and whether a caller is writing them ({@link #send}). */
    private final java.util.Queue<ChannelRequest> outbox = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean();
    volatile boolean dead;
    private volatile boolean answered;
    /** Answers whose payload comes in parts, put back together (on the event loop). */
    private final PartAssembler<ChannelAnswer> parts = new PartAssembler<>();

    Link() {
      // Callbacks on the event loop that read the reply: a blocking caller is woken from there,
      // with no hand-off through a pool thread first (one thread wake-up less per reply).
      requests = (ClientCallStreamObserver<ChannelRequest>) ClientCalls.asyncBidiStreamingCall(
          ClientInterceptors.intercept(gateway.channel(), MetadataUtils.newAttachHeadersInterceptor(READS_PARTS))
              .newCall(GatewayGrpc.getCallChannelMethod(), io.grpc.CallOptions.DEFAULT
                  .withExecutor(MoreExecutors.directExecutor()).withOnReadyThreshold(ON_READY_BYTES)),
          this);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ChannelRequest> stream) {
      stream.setOnReadyHandler(this::drain); // the stream took what was written: the parts that wait go on
    }

    void cancel(long id) {
      dropParts(id);
      if (!dead) {
        send(ChannelRequest.newBuilder().setCancel(id).build());
      }
    }

    /** Sends {@code call}, whose payload's first part it carries, then the rest of {@code payload} in parts. */
    void sendInParts(ChannelRequest call, long id, ByteString payload) {
      outbox.add(call); // before its parts: drain() writes what the outbox holds before each part
      synchronized (uploads) {
        uploads.addRest(id, payload);
        uploading = true;
      }
      drain();
    }

    /** Forgets what is left to send of call {@code id}'s payload (it was answered, cancelled, or timed out). */
    private void dropParts(long id) {
      if (uploading) {
        synchronized (uploads) {
          uploads.cancel(id);
          uploading = !uploads.isEmpty();
        }
      }
    }

    /**
     * Sends {@code message} after the ones queued before it. A gRPC stream takes one message at a
     * time, so whichever caller finds it free writes every message waiting, its own and those queued
     * meanwhile; the others return at once instead of queueing on a lock (a burst of callers woken
     * together no longer wait for each other). A message the stream refuses (it is ending) fails
     * its call here; the stream's end fails the rest.
     */
    void send(ChannelRequest message) {
      outbox.add(message);
      drain();
    }

    /**
     * Writes every message waiting, then parts of large requests while the stream is ready, each
     * part after whatever was queued meanwhile; whoever finds the stream free does it.
     */
    private void drain() {
      while ((!outbox.isEmpty() || partReady()) && sending.compareAndSet(false, true)) {
        try {
          do {
            for (ChannelRequest m; (m = outbox.poll()) != null; ) {
              write(m);
            }
          } while (writeNextPart());
        } finally {
          sending.set(false);
        }
      }
    }

    private boolean partReady() {
      return uploading && requests.isReady();
    }

    /** Writes the next part of a large request if the stream is ready for it; false when none went. */
    private boolean writeNextPart() {
      if (!partReady()) {
        return false;
      }
      PartQueue.Part part;
      synchronized (uploads) {
        part = uploads.next();
        uploading = !uploads.isEmpty();
      }
      if (part == null) {
        return false;
      }
      write(ChannelRequest.newBuilder().setPart(PayloadPart.newBuilder().setCallId(part.callId()).setData(part.data())).build());
      return true;
    }

    private void write(ChannelRequest m) {
      try {
        requests.onNext(m);
      } catch (RuntimeException e) {
        refused(m, e);
      }
    }

    /** The stream refused {@code m}: a call fails as a broken stream fails it; a cancel needs nothing (the gateway cancels what was on it). */
    private void refused(ChannelRequest m, RuntimeException e) {
      if (m.hasCall()) {
        Pending<?> call = pending.get(m.getCall().getId());
        if (call != null && call.claim()) {
          call.fail(StatusErrors.toException(gateway, call.what, call.deadline, e));
        }
      }
    }

    @Override
    public void onNext(ChannelReply reply) {
      answered = true;
      if (reply.getReadsParts()) {
        readsParts = true;
      }
      List<Runnable> later = new ArrayList<>(0);
      for (ChannelAnswer answer : reply.getAnswersList()) {
        if (answer.getPayloadSize() > 0) {
          firstPart(answer, later);
        } else {
          answer(answer.getId(), answer.getReply(), later);
        }
      }
      if (reply.hasPart()) {
        part(reply.getPart(), later);
      }
      if (!later.isEmpty()) {
        ASYNC_REPLIES.execute(() -> later.forEach(Runnable::run));
      }
    }

    private void answer(long id, CallReply reply, List<Runnable> later) {
      dropParts(id); // answered before all its parts went (refused at once): the rest would be wasted
      Pending<?> call = pending.get(id);
      if (call != null && call.claim()) {
        call.answer(reply, later);
      }
    }

    /**
     * An answer whose payload follows in parts: kept until the last part came. Only a call in flight
     * here is put back together; an answer for any other id is dropped with its parts.
     */
    private void firstPart(ChannelAnswer answer, List<Runnable> later) {
      if (!pending.containsKey(answer.getId())) {
        return;
      }
      try {
        parts.start(answer.getId(), answer, answer.getPayloadSize(), answer.getReply().getPayload().getData(),
            GatewayChannel.MAX_INBOUND_MESSAGE_BYTES);
      } catch (PartAssembler.Refused e) {
        Pending<?> call = pending.get(answer.getId());
        String function = call == null ? "a call" : "'" + call.request.getFunction() + "'";
        answer(answer.getId(), Wire.errorReply(Wire.error(ErrorCode.PAYLOAD_TOO_LARGE, "The result of " + function
            + " is too large for this client (" + e.getMessage() + ").")), later);
      }
    }

    private void part(PayloadPart part, List<Runnable> later) {
      try {
        PartAssembler.Whole<ChannelAnswer> whole = parts.add(part.getCallId(), part.getData());
        if (whole != null) {
          CallReply head = whole.head().getReply();
          answer(part.getCallId(), head.toBuilder().setPayload(head.getPayload().toBuilder().setData(whole.data())).build(), later);
        }
      } catch (PartAssembler.Refused e) {
        answer(part.getCallId(), Wire.errorReply(Wire.error(ErrorCode.INTERNAL, "The gateway sent a malformed answer: "
            + e.getMessage() + ".")), later);
      }
    }

    /** The stream failed: its calls fail, or go again as {@code Gateway.Call}, off the event loop. */
    @Override
    public void onError(Throwable t) {
      dead = true; // no new call joins it
      ASYNC_REPLIES.execute(() -> failAll(t));
    }

    /** Takes the dead link out of the list (onError marked it dead) and fails or resends its calls. */
    private void failAll(Throwable t) {
      synchronized (lock) {
        links.remove(this);
      }
      boolean noChannel = !answered && Status.fromThrowable(t).getCode() == Status.Code.UNIMPLEMENTED;
      if (noChannel) {
        unsupported = true;
      }
      for (Pending<?> call : pending.values()) {
        if (call.claim()) {
          if (noChannel) {
            call.resendUnary();
          } else {
            call.fail(StatusErrors.toException(gateway, call.what, call.deadline, t));
          }
        }
      }
    }

    @Override
    public void onCompleted() {
      onError(Status.UNAVAILABLE.withDescription("the gateway ended the call channel").asRuntimeException());
    }
  }
}
