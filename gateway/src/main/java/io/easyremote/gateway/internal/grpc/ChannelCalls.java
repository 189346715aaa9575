package io.easyremote.gateway.internal.grpc;

import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.gateway.internal.tracing.CallTracing;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.PartAssembler;
import io.easyremote.protocol.internal.PartQueue;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ChannelAnswer;
import io.easyremote.protocol.wire.ChannelCall;
import io.easyremote.protocol.wire.ChannelReply;
import io.easyremote.protocol.wire.ChannelRequest;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.PayloadPart;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One caller's {@code Gateway.CallChannel}: many unary calls over one stream. Each call is checked
 * and scheduled as {@code Gateway.Call} would do it, under the key the stream was opened with;
 * answers are tagged with the caller's id and written on the stream's event loop, every answer
 * waiting at that moment in one message (so a busy channel writes and flushes once per loop turn,
 * not once per call).
 *
 * <p>Limits: at most {@link #MAX_IN_FLIGHT} calls in flight per stream (more are answered
 * {@code OVERLOADED}); an id already in flight is refused with {@code INVALID_REQUEST} and the
 * call holding it is left alone. A caller that goes away cancels its calls; one that half-closes
 * gets the answers still due, then the end of the stream. Calls are taken a bounded share per
 * turn of the event loop ({@link BatchedDemand}), so a burst on one channel does not keep the
 * loop from other streams, node links included.
 *
 * <p>To a caller that reads them ({@code x-easyremote-reply-parts}), an answer whose payload is
 * over {@link PartQueue#PART_BYTES} goes with its first part, and the rest follows in parts written
 * after every other answer and only while the stream is ready: a large result does not hold the
 * answers behind it.
 *
 * <p>Large calls come in parts too: the stream's first message says {@code reads_parts}, and a
 * call whose {@code payload_size} is set is put back together from its {@code PayloadPart}s
 * ({@link PartAssembler}) before it is checked and scheduled as any other; its deadline counts from
 * its first part. At most {@link #MAX_ASSEMBLING} payloads are put back together at once per
 * stream, each within the gateway's payload limit, so one stream holds a bounded amount of
 * unfinished uploads; a cancel drops one, and so does its deadline (answered
 * {@code DEADLINE_EXCEEDED}): a caller whose parts stop coming cannot hold a slot, or keep a
 * half-closed stream open, for longer than the call's deadline.
 */
final class ChannelCalls implements StreamObserver<ChannelRequest> {
  /** Calls one stream may have in flight; a client that wants more opens another connection. */
  static final int MAX_IN_FLIGHT = 10_000;
  /** Answers are packed into one message up to about this size (a larger answer goes alone). */
  private static final int MAX_BATCH_BYTES = 256 << 10;
  /** Payloads in parts one stream may have being put back together at once. */
  static final int MAX_ASSEMBLING = 16;

  private final CallScheduler scheduler;
  private final CallTracing tracing;
  private final ServerCallStreamObserver<ChannelReply> out;
  private final ScheduledExecutorService loop;
  private final String caller;
  private final CallGrant grant;
  private final String refusal;
  private final Duration defaultDeadline;
  private final java.util.concurrent.atomic.LongAdder received;
  private final BatchedDemand demand;
  /** Calls in flight by id; empty between a call's arrival and its scheduling. */
  private final ConcurrentHashMap<Long, java.util.Optional<PendingCall>> calls = new ConcurrentHashMap<>();
  private final Queue<ChannelAnswer> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean flushQueued = new AtomicBoolean();
  /** Parts of large answers still to write; null when the caller does not read parts. Used on the loop. */
  private final PartQueue parts;
  /** Whether parts wait for the stream to be ready (set on the loop). */
  private volatile boolean partsWaiting;
  /** Calls whose payload comes in parts, until their last part (on the loop: gRPC delivers requests one at a time). */
  private final PartAssembler<Head> uploads = new PartAssembler<>();
  /** Each call of {@link #uploads}: the task that ends it at its deadline if its parts are still coming (on the loop). */
  private final Map<Long, ScheduledFuture<?>> uploadDeadlines = new HashMap<>();
  private final long maxPayloadBytes;
  private volatile boolean halfClosed;
  private volatile boolean gone;
  private boolean ended;

  /**
   * @param grant what the stream's key may do, or null when its key was refused
   * @param refusal why the key was refused (each call is answered {@code UNAUTHENTICATED} with it)
   * @param received counts the calls received
   */
  ChannelCalls(CallScheduler scheduler, CallTracing tracing, ServerCallStreamObserver<ChannelReply> out, ScheduledExecutorService loop,
      String caller, CallGrant grant, String refusal, Duration defaultDeadline, java.util.concurrent.atomic.LongAdder received,
      boolean replyParts, long maxPayloadBytes) {
    this.received = received;
    this.maxPayloadBytes = maxPayloadBytes;
    this.parts = replyParts ? new PartQueue() : null;
    this.scheduler = scheduler;
    this.tracing = tracing;
    this.out = out;
    this.loop = loop;
    this.caller = caller;
    this.grant = grant;
    this.refusal = refusal;
    this.defaultDeadline = defaultDeadline;
    this.demand = new BatchedDemand(out, loop);
    out.setOnCancelHandler(this::callerGone);
    out.setOnReadyHandler(this::writable);
    loop.execute(this::hello);
  }

  /** The stream's first message: this gateway reads calls whose payload comes in parts. Before any answer (both on the loop). */
  private void hello() {
    try {
      if (!gone) {
        out.onNext(ChannelReply.newBuilder().setReadsParts(true).build());
      }
    } catch (RuntimeException e) {
      callerGone();
    }
  }

  /** The stream can take more: the parts that wait go on (on the loop). */
  private void writable() {
    if (partsWaiting && flushQueued.compareAndSet(false, true)) {
      loop.execute(this::flush);
    }
  }

  @Override
  public void onNext(ChannelRequest request) {
    demand.took();
    switch (request.getKindCase()) {
      case CALL -> call(request.getCall());
      case PART -> part(request.getPart());
      case CANCEL -> {
        if (endUpload(request.getCancel())) {
          finish(request.getCancel(), Wire.error(ErrorCode.CANCELLED, "The caller cancelled the call."));
          return;
        }
        java.util.Optional<PendingCall> call = calls.get(request.getCancel());
        if (call != null && call.isPresent()) {
          scheduler.cancel(call.get(), ErrorCode.CANCELLED, "The caller cancelled the call.");
        }
      }
      default -> answer(0, Wire.error(ErrorCode.INVALID_REQUEST, "Expected a call, a part or a cancel on the call channel; got "
          + request.getKindCase() + "."));
    }
  }

  /** A call as it arrived, and its deadline counted from then: kept while its payload comes in parts. */
  private record Head(ChannelCall call, long deadlineNanos) { }

  private void call(ChannelCall call) {
    received.increment();
    long id = call.getId();
    if (calls.size() >= MAX_IN_FLIGHT) {
      answer(id, Wire.error(ErrorCode.OVERLOADED, "More than " + MAX_IN_FLIGHT
          + " calls in flight on one call channel; wait for some to finish."));
      return;
    }
    if (calls.putIfAbsent(id, java.util.Optional.empty()) != null) {
      answer(id, Wire.error(ErrorCode.INVALID_REQUEST, "Call id " + Long.toUnsignedString(id)
          + " is already in flight on this call channel; ids must be unique among calls in flight."));
      return;
    }
    if (grant == null) {
      finish(id, Wire.error(ErrorCode.UNAUTHENTICATED, refusal));
      return;
    }
    long deadline = System.nanoTime() + timeoutNanos(call);
    if (call.getPayloadSize() > 0) {
      startUpload(call, deadline);
    } else {
      schedule(call, deadline);
    }
  }

  /**
   * The time the caller gave call {@code call}, saturated at {@link Long#MAX_VALUE} nanoseconds
   * (292 years) as {@code grpc-timeout} is for {@code Call}: a {@code deadline_ms} too large for
   * nanoseconds must not throw out of {@link #onNext}, which would end the whole stream. Deadlines
   * are compared by difference, so the sum with {@code nanoTime} may wrap.
   */
  private long timeoutNanos(ChannelCall call) {
    return call.getDeadlineMs() > 0 ? TimeUnit.MILLISECONDS.toNanos(call.getDeadlineMs()) : defaultDeadline.toNanos();
  }

  /** A call whose payload comes in parts: its id stays taken while they come. */
  private void startUpload(ChannelCall call, long deadline) {
    long id = call.getId();
    long size = call.getPayloadSize();
    if (size > maxPayloadBytes) {
      finish(id, Wire.error(ErrorCode.PAYLOAD_TOO_LARGE, "Arguments of '" + call.getRequest().getFunction() + "' are " + size
          + " bytes; the gateway's limit is " + maxPayloadBytes + " bytes."));
    } else if (uploads.size() >= MAX_ASSEMBLING) {
      finish(id, Wire.error(ErrorCode.OVERLOADED, "More than " + MAX_ASSEMBLING
          + " calls sending their arguments in parts at once on one call channel; wait for some to finish."));
    } else {
      try {
        uploads.start(id, new Head(call, deadline), size, call.getRequest().getPayload().getData(), maxPayloadBytes);
        uploadDeadlines.put(id, loop.schedule(() -> uploadExpired(id), deadline - System.nanoTime(), TimeUnit.NANOSECONDS));
      } catch (PartAssembler.Refused e) {
        finish(id, Wire.error(ErrorCode.INVALID_REQUEST, "Call " + Long.toUnsignedString(id) + ": " + e.getMessage() + "."));
      }
    }
  }

  /**
   * The deadline of call {@code id} passed while its payload was still coming in parts: nobody
   * scheduled it, so nothing else would ever answer it or free its id and its upload slot.
   */
  private void uploadExpired(long id) {
    uploadDeadlines.remove(id);
    if (uploads.drop(id) != null) {
      finish(id, Wire.error(ErrorCode.DEADLINE_EXCEEDED, "The deadline of call " + Long.toUnsignedString(id)
          + " passed while its arguments were still coming in parts."));
    }
  }

  /** Stops putting call {@code id}'s payload together, and its deadline task; false when it was not coming in parts. */
  private boolean endUpload(long id) {
    ScheduledFuture<?> deadline = uploadDeadlines.remove(id);
    if (deadline != null) {
      deadline.cancel(false);
    }
    return uploads.drop(id) != null;
  }

  /** The caller went away: every payload still coming in parts is dropped with its deadline task (on the loop). */
  private void dropUploads() {
    for (Long id : java.util.List.copyOf(uploadDeadlines.keySet())) {
      endUpload(id);
    }
  }

  /** The next part of a call's payload; the call is scheduled with its last. Parts of no call in parts are ignored (it was cancelled or refused). */
  private void part(PayloadPart part) {
    long id = part.getCallId();
    try {
      PartAssembler.Whole<Head> whole = uploads.add(id, part.getData());
      if (whole != null) {
        endUpload(id);
        CallRequest request = whole.head().call().getRequest();
        ChannelCall call = whole.head().call().toBuilder()
            .setRequest(request.toBuilder().setPayload(request.getPayload().toBuilder().setData(whole.data()))).build();
        schedule(call, whole.head().deadlineNanos());
      }
    } catch (PartAssembler.Refused e) {
      endUpload(id); // the assembler dropped it already; its deadline task goes too
      finish(id, Wire.error(ErrorCode.INVALID_REQUEST, "Call " + Long.toUnsignedString(id) + ": " + e.getMessage() + "."));
    }
  }

  /** Checks and schedules a call whose id is taken and whose payload is whole. */
  private void schedule(ChannelCall call, long deadline) {
    long id = call.getId();
    CallRequestSpec spec;
    try {
      spec = CallService.toSpec(call.getRequest(), caller, deadline, 0).withGrant(grant);
    } catch (IllegalArgumentException e) {
      finish(id, Wire.error(ErrorCode.INVALID_REQUEST, e.getMessage()));
      return;
    }
    PendingCall pending = scheduler.submit(spec, tracing.trace(new Answer(id), spec.function(), call.getTraceMap(), "grpc"));
    // Only while it is still in flight: an answer that came first removed the id.
    calls.replace(id, java.util.Optional.empty(), java.util.Optional.of(pending));
    if (gone) {
      scheduler.cancel(pending, ErrorCode.CANCELLED, "The caller went away.");
    }
  }

  /** The answer to call {@code id}, which frees its id. */
  private void finish(long id, Error error) {
    calls.remove(id);
    answer(id, error);
  }

  private void answer(long id, Error error) {
    send(ChannelAnswer.newBuilder().setId(id).setReply(Wire.errorReply(error)).build());
  }

  private void send(ChannelAnswer answer) {
    if (gone) {
      return;
    }
    outbox.add(answer);
    if (flushQueued.compareAndSet(false, true)) {
      loop.execute(this::flush);
    }
  }

  /** Writes every answer waiting now, packed into as few messages as their size allows. Runs on the loop. */
  private void flush() {
    flushQueued.set(false);
    try {
      ChannelReply.Builder batch = ChannelReply.newBuilder();
      int bytes = 0;
      for (ChannelAnswer answer; (answer = outbox.poll()) != null; ) {
        if (parts != null && PartQueue.inParts(answer.getReply().getPayload().getData())) {
          answer = firstPart(answer);
        }
        int size = answer.getSerializedSize();
        if (batch.getAnswersCount() > 0 && bytes + size > MAX_BATCH_BYTES) {
          out.onNext(batch.build());
          batch = ChannelReply.newBuilder();
          bytes = 0;
        }
        batch.addAnswers(answer);
        bytes += size;
      }
      if (batch.getAnswersCount() > 0) {
        out.onNext(batch.build());
      }
      if (parts != null) {
        while (!parts.isEmpty() && !gone && out.isReady()) {
          PartQueue.Part part = parts.next();
          out.onNext(ChannelReply.newBuilder().setPart(PayloadPart.newBuilder().setCallId(part.callId()).setData(part.data())).build());
        }
        partsWaiting = !parts.isEmpty() && !gone;
      }
      if (halfClosed && calls.isEmpty() && outbox.isEmpty() && (parts == null || parts.isEmpty()) && !gone && !ended) {
        ended = true;
        out.onCompleted();
      }
    } catch (RuntimeException e) {
      // The stream ended under us (the caller left): its calls are cancelled by callerGone.
      callerGone();
    }
  }

  /** {@code answer} with its payload's first part, the rest queued. On the loop. */
  private ChannelAnswer firstPart(ChannelAnswer answer) {
    com.google.protobuf.ByteString data = answer.getReply().getPayload().getData();
    parts.addRest(answer.getId(), data);
    CallReply reply = answer.getReply();
    return answer.toBuilder().setPayloadSize(data.size())
        .setReply(reply.toBuilder().setPayload(reply.getPayload().toBuilder().setData(PartQueue.firstPart(data)))).build();
  }

  @Override
  public void onError(Throwable t) {
    callerGone();
  }

  @Override
  public void onCompleted() {
    halfClosed = true;
    if (flushQueued.compareAndSet(false, true)) {
      loop.execute(this::flush);
    }
  }

  /** The caller left: its calls still in flight are cancelled (their nodes stop them). */
  private void callerGone() {
    gone = true;
    outbox.clear();
    loop.execute(this::dropUploads);
    calls.forEach((id, call) -> call.ifPresent(c -> scheduler.cancel(c, ErrorCode.CANCELLED, "The caller went away.")));
  }

  /** Where one call's outcome goes: tagged with its id into the stream's outbox. */
  private final class Answer implements CallSink {
    private final long id;

    Answer(long id) {
      this.id = id;
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      calls.remove(id);
      send(ChannelAnswer.newBuilder().setId(id).setReply(CallReply.newBuilder().setPayload(payload).setNodeId(nodeId)).build());
    }

    @Override
    public void onError(Error error) {
      finish(id, error);
    }
  }
}
