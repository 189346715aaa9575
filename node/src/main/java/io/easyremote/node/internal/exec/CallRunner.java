package io.easyremote.node.internal.exec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.easyremote.node.Emitter;
import io.easyremote.node.internal.registry.InvalidArgumentsException;
import io.easyremote.node.internal.registry.RemoteFunction;
import io.easyremote.node.internal.registry.ResultShape;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs invocations on the function executor and answers each with exactly one final frame
 * ({@code Result}, or {@code StreamEnd} for a streaming function), whatever happens: success,
 * bad arguments, a user exception, cancellation, a deadline, or an oversized result. Streaming
 * functions send items only as far as the caller's credits allow. Thread-safe.
 */
public final class CallRunner {
  private static final Logger log = LoggerFactory.getLogger(CallRunner.class);
  private static final int MAX_STACK_CHARS = 8 * 1024;

  private final String nodeId;
  private final Map<String, RemoteFunction> functions;
  private final Map<String, Semaphore> functionLimits = new ConcurrentHashMap<>();
  private final Semaphore slots;
  private final ExecutorService executor;
  private final ScheduledExecutorService timer;
  private final Map<Long, RunningCall> running = new ConcurrentHashMap<>();
  private volatile long maxPayloadBytes = 16 << 20;

  private volatile NodeTracing tracing = new NodeTracing(io.opentelemetry.api.OpenTelemetry.noop());

  public CallRunner(String nodeId, Map<String, RemoteFunction> functions, int maxConcurrency, ExecutorService executor,
      ScheduledExecutorService timer) {
    this.nodeId = nodeId;
    this.functions = Map.copyOf(functions);
    this.slots = new Semaphore(maxConcurrency);
    this.executor = executor;
    this.timer = timer;
    for (RemoteFunction fn : functions.values()) {
      if (fn.spec().getMaxConcurrency() > 0) {
        functionLimits.put(fn.name(), new Semaphore(fn.spec().getMaxConcurrency()));
      }
    }
  }

  /** Records an {@code execute} span per invocation with {@code tracing} (default: none). */
  public void traceWith(NodeTracing tracing) {
    this.tracing = tracing;
  }

  /** The gateway's limit for results and items, from its Welcome. */
  public void maxPayloadBytes(long bytes) {
    if (bytes > 0) {
      this.maxPayloadBytes = bytes;
    }
  }

  /** Calls running now. */
  public int inFlight() {
    return running.size();
  }

  /** Starts an invocation; its final frame goes to {@code out}. */
  public void invoke(Invoke invoke, FrameSink out) {
    RemoteFunction fn = functions.get(invoke.getFunction());
    boolean streaming = fn != null && fn.streaming();
    // The slot is taken before the call becomes visible to cancel(), so that whoever finishes
    // the call knows whether it holds one.
    boolean slot = fn != null && slots.tryAcquire();
    RunningCall call = new RunningCall(invoke.getCallId(), invoke.getFunction(), streaming, out, invoke.getStreamCredits(), slot);
    if (running.putIfAbsent(call.id, call) != null) {
      if (slot) {
        slots.release();
      }
      log.warn("Ignored a duplicate invocation of call {}", call.id);
      return;
    }
    if (fn == null) {
      call.fail(error(ErrorCode.FUNCTION_NOT_FOUND, "Node '" + nodeId + "' does not offer '" + invoke.getFunction() + "'."));
      return;
    }
    if (!slot) {
      call.fail(error(ErrorCode.OVERLOADED, "Node '" + nodeId + "' is running its maximum number of calls."));
      return;
    }
    if (invoke.getDeadlineMs() > 0) {
      call.deadline = timer.schedule(() -> cancel(call.id, ErrorCode.DEADLINE_EXCEEDED), invoke.getDeadlineMs(), TimeUnit.MILLISECONDS);
    }
    Future<?> future;
    try {
      future = executor.submit(tracing.around(invoke, nodeId, () -> run(call, fn, invoke.getPayload())));
    } catch (RuntimeException rejected) {
      call.fail(error(ErrorCode.UNAVAILABLE, "Node '" + nodeId + "' is shutting down."));
      return;
    }
    call.future = future;
    if (call.cancelReason != null) {
      future.cancel(true); // a cancel that came while submitting saw no future to interrupt
    }
  }

  /**
   * Cancels a call; it still answers, with {@code reason} unless it already finished. A call still
   * waiting for an executor thread never runs: it is answered here and frees its slot at once (a
   * cancelled task would otherwise never reach {@code run}, whose end is what frees the slot). A
   * running call is interrupted and answers when its method returns.
   */
  public void cancel(long callId, ErrorCode reason) {
    RunningCall call = running.get(callId);
    if (call == null) {
      return;
    }
    call.cancelReason = reason;
    if (call.started.compareAndSet(false, true)) {
      Future<?> future = call.future;
      if (future != null) {
        future.cancel(false); // only to let the pool forget it; run() would see started and return
      }
      call.fail(cancelled(call.function, reason));
      return;
    }
    Future<?> future = call.future;
    if (future != null) {
      future.cancel(true);
    }
  }

  /** More items a streaming call may send. */
  public void credit(long callId, int n) {
    RunningCall call = running.get(callId);
    if (call != null) {
      call.credits.grant(n);
    }
  }

  /**
   * The gateway stream is gone (or the drain ran out of time): nobody awaits these results, so
   * every call is cancelled; those still waiting for a thread free their slots at once, running
   * ones when their methods return.
   */
  public void cancelAll() {
    for (Long id : running.keySet()) {
      cancel(id, ErrorCode.CANCELLED);
    }
  }

  /** Waits until no call is running, up to {@code timeout}; true if idle. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!running.isEmpty()) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private void run(RunningCall call, RemoteFunction fn, Payload payload) {
    if (!call.started.compareAndSet(false, true)) {
      return; // cancelled while it waited for a thread, and already answered
    }
    ErrorCode early = call.cancelReason;
    if (early != null) {
      call.fail(cancelled(fn.name(), early));
      return;
    }
    Semaphore limit = functionLimits.get(fn.name());
    long start = System.nanoTime();
    try {
      Object[] args = fn.bind(payload);
      if (limit != null) {
        limit.acquire();
        call.functionLimit = limit;
      }
      Object result = fn.run(args, call::emit);
      if (call.streaming) {
        if (fn.shape() == ResultShape.STREAM) {
          call.drain(result);
        }
        call.end(System.nanoTime() - start);
      } else {
        call.answer(encode(result, fn.shape()), System.nanoTime() - start);
      }
    } catch (InvalidArgumentsException e) {
      call.fail(error(ErrorCode.INVALID_ARGUMENTS, e.getMessage()));
    } catch (TooLargeException e) {
      call.fail(error(ErrorCode.PAYLOAD_TOO_LARGE, fn.name() + ": " + e.getMessage()));
    } catch (Throwable t) {
      ErrorCode reason = call.cancelReason;
      if (reason != null) {
        call.fail(cancelled(fn.name(), reason));
      } else if (t instanceof EncodingException) {
        call.fail(error(ErrorCode.INTERNAL, fn.name() + ": " + t.getMessage()));
      } else {
        call.fail(functionFailed(t));
      }
    } finally {
      if (Thread.interrupted()) {
        log.trace("Cleared the interrupt of call {}", call.id);
      }
    }
  }

  private Payload encode(Object value, ResultShape shape) throws TooLargeException, EncodingException {
    ByteString data;
    Encoding encoding = Encoding.JSON;
    if (shape == ResultShape.BYTES && value != null) {
      data = UnsafeByteOperations.unsafeWrap((byte[]) value);
      encoding = Encoding.BINARY;
    } else {
      try {
        data = UnsafeByteOperations.unsafeWrap(Json.mapper().writeValueAsBytes(value));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new EncodingException("cannot encode a " + (value == null ? "null" : value.getClass().getName()) + " as JSON: "
            + e.getOriginalMessage());
      }
    }
    if (data.size() > maxPayloadBytes) {
      throw new TooLargeException("the result is " + data.size() + " bytes; the gateway accepts at most " + maxPayloadBytes + ".");
    }
    return Payload.newBuilder().setData(data).setEncoding(encoding).build();
  }

  private Error functionFailed(Throwable t) {
    StringWriter stack = new StringWriter();
    t.printStackTrace(new PrintWriter(stack));
    String text = stack.toString();
    if (text.length() > MAX_STACK_CHARS) {
      text = text.substring(0, MAX_STACK_CHARS) + "\n\t...";
    }
    String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    return Error.newBuilder()
        .setCode(Wire.toWire(ErrorCode.FUNCTION_FAILED))
        .setMessage(message)
        .setRemoteType(t.getClass().getName())
        .setRemoteStack(text)
        .setNodeId(nodeId)
        .setReachedNode(true)
        .build();
  }

  private Error cancelled(String function, ErrorCode reason) {
    return error(reason, reason == ErrorCode.DEADLINE_EXCEEDED
        ? "Deadline exceeded: '" + function + "' ran past its deadline on node '" + nodeId + "' and was interrupted."
        : "'" + function + "' was cancelled on node '" + nodeId + "'.");
  }

  private Error error(ErrorCode code, String message) {
    return Wire.error(code, message).toBuilder().setNodeId(nodeId).setReachedNode(true).build();
  }

  /** One invocation between its Invoke and its final frame. */
  private final class RunningCall {
    final long id;
    final String function;
    final boolean streaming;
    final FrameSink out;
    final Credits credits;
    final AtomicBoolean finished = new AtomicBoolean();
    /** Claimed once, by the executor thread that runs the call or by a cancel that comes first. */
    final AtomicBoolean started = new AtomicBoolean();
    volatile Future<?> future;
    volatile ScheduledFuture<?> deadline;
    volatile ErrorCode cancelReason;
    final boolean holdsSlot;
    volatile Semaphore functionLimit;
    long items;

    RunningCall(long id, String function, boolean streaming, FrameSink out, long credits, boolean holdsSlot) {
      this.id = id;
      this.holdsSlot = holdsSlot;
      this.function = function;
      this.streaming = streaming;
      this.out = out;
      this.credits = new Credits(credits);
    }

    /** Sends one item once the caller has credit for it. */
    void emit(Object item) throws InterruptedException {
      if (!streaming) {
        throw new IllegalStateException("'" + function + "' is not a streaming function");
      }
      if (cancelReason != null) {
        throw new InterruptedException("call cancelled");
      }
      credits.acquire();
      Payload payload;
      try {
        payload = encode(item, item instanceof byte[] ? ResultShape.BYTES : ResultShape.VALUE);
      } catch (TooLargeException | EncodingException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
      items++;
      out.send(NodeFrame.newBuilder().setStreamItem(StreamItem.newBuilder().setCallId(id).setSeq(items).setPayload(payload)).build());
    }

    /** Sends every item of a Stream, Iterator, Iterable or Flow.Publisher. */
    void drain(Object source) throws Throwable {
      if (source == null) {
        return;
      }
      if (source instanceof Stream<?> stream) {
        try (stream) {
          drainIterator(stream.iterator());
        }
      } else if (source instanceof Iterator<?> iterator) {
        drainIterator(iterator);
      } else if (source instanceof Iterable<?> iterable) {
        drainIterator(iterable.iterator());
      } else if (source instanceof java.util.concurrent.Flow.Publisher<?> publisher) {
        PublisherDrain.drain(publisher, this::emit);
      } else {
        throw new IllegalStateException("cannot stream a " + source.getClass().getName());
      }
    }

    private void drainIterator(Iterator<?> iterator) throws InterruptedException {
      while (iterator.hasNext()) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("call cancelled");
        }
        emit(iterator.next());
      }
    }

    void answer(Payload payload, long serviceNanos) {
      finish(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(id).setPayload(payload).setServiceNanos(serviceNanos)).build());
    }

    void end(long serviceNanos) {
      finish(NodeFrame.newBuilder().setStreamEnd(StreamEnd.newBuilder().setCallId(id).setCount(items)).build());
    }

    void fail(Error error) {
      if (streaming) {
        finish(NodeFrame.newBuilder().setStreamEnd(StreamEnd.newBuilder().setCallId(id).setCount(items).setError(error)).build());
      } else {
        finish(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(id).setError(error)).build());
      }
    }

    private void finish(NodeFrame frame) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      ScheduledFuture<?> timer = deadline;
      if (timer != null) {
        timer.cancel(false);
      }
      // Free the slot before answering: the gateway may send the next call the moment it reads
      // this frame. And before leaving the running set, so that inFlight() == 0 means every slot
      // is free.
      Semaphore limit = functionLimit;
      if (limit != null) {
        limit.release();
      }
      if (holdsSlot) {
        slots.release();
      }
      running.remove(id);
      out.send(frame);
    }
  }

  /** A result over the gateway's size limit. */
  private static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message, null, false, false);
    }
  }

  /** A result Jackson cannot encode. */
  private static final class EncodingException extends Exception {
    private static final long serialVersionUID = 1L;

    EncodingException(String message) {
      super(message, null, false, false);
    }
  }

}
