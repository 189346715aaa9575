package io.easyremote.gateway.internal.grpc;

import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.gateway.internal.tracing.CallTracing;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.Permission;
import io.easyremote.gateway.internal.security.Denials;
import io.easyremote.gateway.internal.security.NodeAdmission;
import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.internal.Metadata;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ChannelReply;
import io.easyremote.protocol.wire.ChannelRequest;
import io.easyremote.protocol.wire.DrainNodeReply;
import io.easyremote.protocol.wire.DrainNodeRequest;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.GetNodeRequest;
import io.easyremote.protocol.wire.ListFunctionsReply;
import io.easyremote.protocol.wire.ListFunctionsRequest;
import io.easyremote.protocol.wire.ListNodesReply;
import io.easyremote.protocol.wire.ListNodesRequest;
import io.easyremote.protocol.wire.NodeInfo;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamReply;
import io.easyremote.protocol.wire.StreamRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The caller-facing gRPC service: translates {@code Gateway} RPCs into scheduler calls and status views. */
public final class CallService extends GatewayGrpc.GatewayImplBase {
  private static final Logger log = LoggerFactory.getLogger(CallService.class);

  /**
   * How long past a call's own deadline Armeria's request timeout (set from {@code grpc-timeout})
   * may fire, as a backstop only: the scheduler answers DEADLINE_EXCEEDED at the deadline itself,
   * where Armeria's timeout would close the call as CANCELLED.
   */
  private static final Duration BACKSTOP = Duration.ofSeconds(5);

  private final CallScheduler scheduler;
  private final StatusViews status;
  private final Duration defaultDeadline;
  private final int streamBufferItems;
  private final CallerAuthentication authentication;
  private final CallTracing tracing;
  private final java.util.concurrent.atomic.AtomicInteger openChannels = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.LongAdder channelCalls = new java.util.concurrent.atomic.LongAdder();

  public CallService(CallScheduler scheduler, StatusViews status, Duration defaultDeadline, int streamBufferItems,
      CallerAuthentication authentication) {
    this(scheduler, status, defaultDeadline, streamBufferItems, authentication, new CallTracing(io.opentelemetry.api.OpenTelemetry.noop()));
  }

  /** @param tracing the spans of each call (no-op unless the gateway traces) */
  public CallService(CallScheduler scheduler, StatusViews status, Duration defaultDeadline, int streamBufferItems,
      CallerAuthentication authentication, CallTracing tracing) {
    this.tracing = tracing;
    this.authentication = authentication;
    this.scheduler = scheduler;
    this.status = status;
    this.defaultDeadline = defaultDeadline;
    this.streamBufferItems = streamBufferItems;
  }

  @Override
  public void call(CallRequest request, StreamObserver<CallReply> responses) {
    ServerCallStreamObserver<CallReply> out = (ServerCallStreamObserver<CallReply>) responses;
    ServiceRequestContext ctx = ServiceRequestContext.current();
    long deadline = deadlineOf(ctx);
    extendBackstop(ctx, deadline);
    String caller = callerOf(ctx);
    AtomicReference<PendingCall> pending = new AtomicReference<>();
    out.setOnCancelHandler(() -> {
      PendingCall call = pending.get();
      if (call != null) {
        scheduler.cancel(call, ErrorCode.CANCELLED, "The caller cancelled the call.");
      }
    });
    UnaryReply reply = new UnaryReply(out, ctx.eventLoop());
    CallRequestSpec spec;
    try {
      spec = toSpec(request, caller, deadline, 0).withGrant(grantOf(ctx));
    } catch (IllegalArgumentException e) {
      reply.onError(io.easyremote.protocol.internal.Wire.error(ErrorCode.INVALID_REQUEST, e.getMessage()));
      return;
    } catch (CallerAuthentication.InvalidKeyException e) {
      reply.onError(io.easyremote.protocol.internal.Wire.error(ErrorCode.UNAUTHENTICATED, e.getMessage()));
      return;
    }
    PendingCall call = scheduler.submit(spec, tracing.trace(reply, spec.function(), ctx.request().headers(), "grpc"));
    pending.set(call);
    if (out.isCancelled()) {
      scheduler.cancel(call, ErrorCode.CANCELLED, "The caller cancelled the call.");
    }
  }

  @Override
  public StreamObserver<StreamRequest> callStream(StreamObserver<StreamReply> responses) {
    ServerCallStreamObserver<StreamReply> out = (ServerCallStreamObserver<StreamReply>) responses;
    ServiceRequestContext ctx = ServiceRequestContext.current();
    long deadline = deadlineOf(ctx);
    extendBackstop(ctx, deadline);
    String caller = callerOf(ctx);
    GrpcStreamReply sink = new GrpcStreamReply(out, scheduler, streamBufferItems, ctx.eventLoop());
    out.setOnCancelHandler(sink::callerGone);
    out.setOnReadyHandler(sink::drain);
    return new StreamObserver<>() {
      @Override
      public void onNext(StreamRequest request) {
        if (request.hasCall() && !sink.started()) {
          CallRequestSpec spec;
          try {
            spec = toSpec(request.getCall(), caller, deadline, streamBufferItems).withGrant(grantOf(ctx));
          } catch (IllegalArgumentException e) {
            sink.protocolError(e.getMessage());
            return;
          } catch (CallerAuthentication.InvalidKeyException e) {
            sink.refuse(ErrorCode.UNAUTHENTICATED, e.getMessage());
            return;
          }
          long asked = Integer.toUnsignedLong(request.getCall().getStreamCredits());
          sink.start(scheduler.submit(spec, tracing.trace(sink, spec.function(), ctx.request().headers(), "grpc")), spec.initialCredits(),
              Math.max(0, asked - spec.initialCredits()), asked == 0, request.getCall().getStreamBatches());
        } else if (request.getKindCase() == StreamRequest.KindCase.CREDIT && sink.started()) {
          sink.grant(request.getCredit());
        } else {
          sink.protocolError("Expected a call first, then credits; got " + request.getKindCase() + ".");
        }
      }

      @Override
      public void onError(Throwable t) {
        sink.callerGone();
      }

      @Override
      public void onCompleted() {
        // The caller can send no more credits: from now on the stream is paced by HTTP/2 flow control alone.
        sink.halfClosed();
      }
    };
  }

  /**
   * Registers {@code easyremote.call.channels} (call channels open now) and
   * {@code easyremote.call.channel.calls} (calls received on them) with {@code registry}.
   */
  public CallService countingChannels(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.Gauge.builder("easyremote.call.channels", openChannels, java.util.concurrent.atomic.AtomicInteger::get)
        .description("Call channels open (Java clients' streams carrying many calls)").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("easyremote.call.channel.calls", channelCalls,
        java.util.concurrent.atomic.LongAdder::sum).description("Calls received on call channels").register(registry);
    return this;
  }

  @Override
  public StreamObserver<ChannelRequest> callChannel(StreamObserver<ChannelReply> responses) {
    ServiceRequestContext ctx = ServiceRequestContext.current();
    CallGrant grant = null;
    String refusal = null;
    try {
      grant = grantOf(ctx);
    } catch (CallerAuthentication.InvalidKeyException e) {
      refusal = e.getMessage();
    }
    openChannels.incrementAndGet();
    ctx.log().whenComplete().thenRun(openChannels::decrementAndGet);
    return new ChannelCalls(scheduler, tracing, (ServerCallStreamObserver<ChannelReply>) responses, ctx.eventLoop(),
        callerOf(ctx), grant, refusal, defaultDeadline, channelCalls, ctx.request().headers().contains(Metadata.REPLY_PARTS.name()),
        scheduler.maxPayloadBytes());
  }

  /**
   * @param streamWindow for CallStream: the credits of a caller that grants none ({@code stream_credits = 0}); 0 for Call
   * @throws IllegalArgumentException for an unknown strategy name
   */
  static CallRequestSpec toSpec(CallRequest call, String caller, long deadline, int streamWindow) {
    boolean stream = streamWindow > 0;
    String pinned = call.getNodeId().isEmpty() ? null : call.getNodeId();
    Strategy strategy = call.getStrategy().isEmpty() ? null : Strategy.fromWireName(call.getStrategy());
    // At most the gateway's buffer goes to the node at once, whatever the caller asks (the rest follows as items leave).
    long asked = Integer.toUnsignedLong(call.getStreamCredits());
    int credits = stream ? (int) (asked > 0 ? Math.min(asked, streamWindow) : streamWindow) : 0;
    String key = call.getIdempotencyKey().isEmpty() ? null : call.getIdempotencyKey();
    int attempts = call.getRetry().getMaxAttempts() > 0 ? call.getRetry().getMaxAttempts() : CallRequestSpec.DEFAULT_FAILOVER_ATTEMPTS;
    return new CallRequestSpec(call.getFunction(), pinned, call.getPayload(), caller, deadline, stream, credits, strategy,
        Requirements.fromWire(call.getRequirements()), key, attempts, call.getRetry().getRetryNonIdempotent());
  }

  private CallGrant grantOf(ServiceRequestContext ctx) throws CallerAuthentication.InvalidKeyException {
    return authentication.authenticate(ctx.request().headers().get("authorization"), ctx.clientAddress().getHostAddress());
  }

  /**
   * The caller's grant when it may do what {@code permission} covers; otherwise answers the RPC
   * with UNAUTHENTICATED (no or a bad key) or PERMISSION_DENIED and returns null.
   */
  private CallGrant permitted(Permission permission, StreamObserver<?> responses) {
    ServiceRequestContext ctx = ServiceRequestContext.current();
    CallGrant grant;
    try {
      grant = grantOf(ctx);
    } catch (CallerAuthentication.InvalidKeyException e) {
      responses.onError(Status.UNAUTHENTICATED.withDescription(e.getMessage()).asRuntimeException());
      return null;
    }
    if (permission != null && !grant.may(permission)) {
      NodeAdmission.audit().warn("DENY {} from {} with key '{}'", permission, ctx.clientAddress().getHostAddress(),
          grant.principal() == null ? "-" : grant.principal());
      responses.onError(Denials.status(grant, permission).asRuntimeException());
      return null;
    }
    return grant;
  }

  /** Lets the scheduler, not Armeria's request timeout, end a call at its deadline (see {@link #BACKSTOP}). */
  private static void extendBackstop(ServiceRequestContext ctx, long deadlineNanos) {
    long remaining = Math.max(0, deadlineNanos - System.nanoTime());
    ctx.setRequestTimeout(TimeoutMode.SET_FROM_NOW, Duration.ofNanos(remaining).plus(BACKSTOP));
  }

  private long deadlineOf(ServiceRequestContext ctx) {
    return Deadlines.deadlineNanos(ctx.request().headers().get("grpc-timeout"), System.nanoTime(), defaultDeadline);
  }

  private static String callerOf(ServiceRequestContext ctx) {
    String caller = ctx.request().headers().get(Metadata.CALLER.name());
    return caller == null || caller.isEmpty() ? String.valueOf(ctx.remoteAddress()) : caller;
  }

  @Override
  public void listNodes(ListNodesRequest request, StreamObserver<ListNodesReply> responses) {
    if (permitted(Permission.LIST, responses) == null) {
      return;
    }
    responses.onNext(ListNodesReply.newBuilder().addAllNodes(status.clusterNodes()).build());
    responses.onCompleted();
  }

  @Override
  public void getNode(GetNodeRequest request, StreamObserver<NodeInfo> responses) {
    if (permitted(Permission.LIST, responses) == null) {
      return;
    }
    NodeInfo node = status.node(request.getNodeId());
    if (node == null) {
      responses.onError(Status.NOT_FOUND.withDescription("No node '" + request.getNodeId() + "' is connected.").asRuntimeException());
      return;
    }
    responses.onNext(node);
    responses.onCompleted();
  }

  @Override
  public void drainNode(DrainNodeRequest request, StreamObserver<DrainNodeReply> responses) {
    CallGrant grant = permitted(Permission.ADMINISTER, responses);
    if (grant == null) {
      return;
    }
    // In a cluster, a node held by another gateway is drained there (with this operator's key, checked there too).
    scheduler.drainAnywhere(request.getNodeId(), (int) Math.min(Integer.MAX_VALUE, Math.max(0, request.getGraceMs())), grant)
        .whenComplete((running, failure) -> {
          if (failure != null) {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            Status status = cause instanceof io.easyremote.gateway.internal.core.RemoteGateways.RemoteFailure remote
                && remote.error().getCode() == io.easyremote.protocol.wire.ErrorCode.PERMISSION_DENIED ? Status.PERMISSION_DENIED : Status.UNAVAILABLE;
            responses.onError(status.withDescription(cause.getMessage()).asRuntimeException());
          } else if (running < 0) {
            responses.onError(Status.NOT_FOUND.withDescription("No node '" + request.getNodeId() + "' is connected.").asRuntimeException());
          } else {
            responses.onNext(DrainNodeReply.newBuilder().setInFlight(running).build());
            responses.onCompleted();
          }
        });
  }

  @Override
  public void listFunctions(ListFunctionsRequest request, StreamObserver<ListFunctionsReply> responses) {
    CallGrant grant = permitted(null, responses);
    if (grant == null) {
      return;
    }
    responses.onNext(ListFunctionsReply.newBuilder().addAllFunctions(status.clusterFunctions(grant)).build());
    responses.onCompleted();
  }

  /**
   * Completes one unary gRPC call on its own request's event loop (outcomes arrive on a node's
   * thread, where another request's context is current); a caller that already left is ignored.
   */
  private static final class UnaryReply implements CallSink {
    private final ServerCallStreamObserver<CallReply> out;
    private final java.util.concurrent.Executor executor;

    UnaryReply(ServerCallStreamObserver<CallReply> out, java.util.concurrent.Executor executor) {
      this.out = out;
      this.executor = executor;
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      send(CallReply.newBuilder().setPayload(payload).setNodeId(nodeId).build());
    }

    @Override
    public void onError(Error error) {
      send(Wire.errorReply(error));
    }

    private void send(CallReply reply) {
      executor.execute(() -> {
        try {
          out.onNext(reply);
          out.onCompleted();
        } catch (RuntimeException e) {
          log.debug("Caller left before its reply: {}", e.toString());
        }
      });
    }
  }
}
