package io.easyremote.gateway.internal.grpc;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.NodeSession;
import io.easyremote.gateway.internal.core.RegistrationException;
import io.easyremote.gateway.internal.security.NodeAdmission;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.PartAssembler;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.PayloadPart;
import io.easyremote.protocol.wire.Rejected;
import io.easyremote.protocol.wire.Result;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-facing gRPC service: one {@code Connect} stream per node, translated into scheduler
 * events. A stream that has not sent its Hello is a stranger: it must introduce itself within the
 * Hello timeout, and at most {@value #MAX_PENDING_HELLOS} strangers may wait at once; beyond that
 * new streams are refused at once with OVERLOADED.
 */
public final class NodeLinkService extends NodeLinkGrpc.NodeLinkImplBase {
  private static final Logger log = LoggerFactory.getLogger(NodeLinkService.class);

  /** Node links that may wait for their Hello at once. */
  public static final int MAX_PENDING_HELLOS = 1024;

  private final CallScheduler scheduler;
  private final NodeAdmission admission;
  private final Duration helloTimeout;
  private final AtomicInteger pendingHellos = new AtomicInteger();

  public NodeLinkService(CallScheduler scheduler, NodeAdmission admission, Duration helloTimeout) {
    this.scheduler = scheduler;
    this.admission = admission;
    this.helloTimeout = helloTimeout;
  }

  @Override
  public StreamObserver<NodeFrame> connect(StreamObserver<GatewayFrame> out) {
    ServiceRequestContext ctx = ServiceRequestContext.current();
    Link link = new Link(out, new BatchedDemand((ServerCallStreamObserver<?>) out, ctx.eventLoop()));
    ((ServerCallStreamObserver<?>) out).setOnReadyHandler(link::writable);
    if (pendingHellos.incrementAndGet() > MAX_PENDING_HELLOS) {
      pendingHellos.decrementAndGet();
      link.rejectedAtOnce();
      return link;
    }
    link.pending = true;
    link.helloTimer = ctx.eventLoop().schedule(link::helloTimedOut, helloTimeout.toNanos(), TimeUnit.NANOSECONDS);
    return link;
  }

  /** One node's stream. Frames of one stream arrive serially, on the stream's event loop (as does the Hello timer). */
  private final class Link implements StreamObserver<NodeFrame> {
    private final StreamObserver<GatewayFrame> out;
    /** A node's burst of results is taken a bounded share per turn of the event loop, as a caller's burst of calls is. */
    private final BatchedDemand demand;
    private volatile NodeSession session;
    /** Results arriving in parts ({@code Welcome.parts}), put back together here. */
    private final PartAssembler<Result> results = new PartAssembler<>();
    private boolean rejected;
    private boolean pending;
    private ScheduledFuture<?> helloTimer;

    Link(StreamObserver<GatewayFrame> out, BatchedDemand demand) {
      this.out = out;
      this.demand = demand;
    }

    /** The stream can take more frames: the node's queued parts go on. */
    void writable() {
      NodeSession s = session;
      if (s != null) {
        s.writable();
      }
    }

    void rejectedAtOnce() {
      log.warn("Refused a node link: {} links are already waiting for their Hello", MAX_PENDING_HELLOS);
      reject(ErrorCode.OVERLOADED, "Too many node links are waiting to introduce themselves; retry later.");
    }

    void helloTimedOut() {
      if (session == null && !rejected) {
        log.warn("Closed a node link from {} that sent no Hello within {} ms", remote(), helloTimeout.toMillis());
        reject(ErrorCode.DEADLINE_EXCEEDED, "No Hello within " + helloTimeout.toMillis() + " ms; the link was closed.");
      }
    }

    private String remote() {
      ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
      return ctx == null ? "a node" : String.valueOf(ctx.remoteAddress());
    }

    /** This link no longer waits for a Hello (it sent one, was rejected, or went away). */
    private void notPending() {
      if (pending) {
        pending = false;
        pendingHellos.decrementAndGet();
        if (helloTimer != null) {
          helloTimer.cancel(false);
        }
      }
    }

    @Override
    public void onNext(NodeFrame frame) {
      demand.took(frame.getKindCase() == NodeFrame.KindCase.BATCH ? frame.getBatch().getFramesCount() : 1);
      if (rejected) {
        return;
      }
      if (session == null) {
        hello(frame);
        return;
      }
      session.heard();
      if (frame.getKindCase() == NodeFrame.KindCase.BATCH) {
        for (NodeFrame each : frame.getBatch().getFramesList()) {
          handleGuarded(each);
        }
      } else {
        handleGuarded(frame);
      }
    }

    /**
     * {@link #handle} one frame, logging a failure instead of throwing it: an exception out of
     * {@link #onNext} ends the stream with UNKNOWN, failing every call the node runs (and the rest
     * of a batch) over one frame the gateway could not take.
     */
    private void handleGuarded(NodeFrame frame) {
      try {
        handle(frame);
      } catch (RuntimeException e) {
        log.warn("Could not handle a {} frame from {}; ignored it", frame.getKindCase(), session, e);
      }
    }

    private void hello(NodeFrame frame) {
      notPending();
      if (frame.getKindCase() != NodeFrame.KindCase.HELLO) {
        reject(ErrorCode.INVALID_REQUEST, "The first frame on a node link must be Hello, got " + frame.getKindCase() + ".");
        return;
      }
      String remote = String.valueOf(ServiceRequestContext.current().remoteAddress());
      try {
        String principal = admission.admit(frame.getHello(), remote);
        session = scheduler.register(frame.getHello(), out, principal, admission::mayShare);
        session.readBy(ServiceRequestContext.current().eventLoop());
        NodeAdmission.audit().info("REGISTER node '{}' from {} with token '{}': {} function(s)", session.nodeId(), remote,
            principal == null ? "-" : principal, frame.getHello().getFunctionsCount());
      } catch (RegistrationException e) {
        log.warn("Rejected node '{}': {}", frame.getHello().getNodeId(), e.getMessage());
        reject(e.code(), e.getMessage());
      }
    }

    /** One frame from a registered node (a batch's frames one by one; a batch in a batch is ignored). */
    private void handle(NodeFrame frame) {
      switch (frame.getKindCase()) {
        case RESULT -> result(frame.getResult());
        case PART -> part(frame.getPart());
        case STREAM_ITEM -> scheduler.onStreamItem(session, frame.getStreamItem());
        case STREAM_END -> {
          results.drop(frame.getStreamEnd().getCallId()); // it ends the call: no result in parts can follow
          scheduler.onStreamEnd(session, frame.getStreamEnd());
        }
        case HEARTBEAT -> scheduler.onHeartbeat(session, frame.getHeartbeat());
        case DRAIN -> scheduler.onNodeDraining(session);
        case HELLO -> log.debug("Ignored a second Hello from {}", session);
        default -> log.debug("Ignored a {} frame from {}", frame.getKindCase(), session);
      }
    }

    /**
     * A result, whole or the first part of one whose payload follows in parts. Only a call this node
     * holds is put back together: a result for any other id is ignored and counted at once, so a
     * node cannot make the gateway keep payloads for calls it was never sent. A whole result ends
     * the call, so whatever came of an earlier result in parts for it is forgotten; and a new
     * payload in parts first drops those of calls the node no longer holds (answered, moved on): a
     * link keeps at most one payload per call in flight, however its node cuts results short.
     */
    private void result(Result result) {
      results.drop(result.getCallId());
      if (result.getPayloadSize() == 0 || !session.holds(result.getCallId())) {
        scheduler.onResult(session, result);
        return;
      }
      results.dropUnless(session::holds);
      try {
        results.start(result.getCallId(), result, result.getPayloadSize(), result.getPayload().getData(), scheduler.maxPayloadBytes());
      } catch (PartAssembler.Refused e) {
        if (result.getPayloadSize() > scheduler.maxPayloadBytes()) {
          scheduler.onResultTooLarge(session, result.getCallId(), result.getPayloadSize());
        } else {
          malformed(result.getCallId(), e.getMessage());
        }
      }
    }

    /** The next part of a result's payload; the result goes on once the last part came. */
    private void part(PayloadPart part) {
      try {
        PartAssembler.Whole<Result> whole = results.add(part.getCallId(), part.getData());
        if (whole != null) {
          Result head = whole.head();
          scheduler.onResult(session, head.toBuilder().clearPayloadSize().setPayload(head.getPayload().toBuilder().setData(whole.data())).build());
        }
      } catch (PartAssembler.Refused e) {
        malformed(part.getCallId(), e.getMessage());
      }
    }

    private void malformed(long callId, String why) {
      log.warn("Node {} sent a malformed result in parts: {}", session, why);
      scheduler.onResult(session, Result.newBuilder().setCallId(callId)
          .setError(Wire.error(ErrorCode.INTERNAL, "The node sent a malformed result: " + why + ".")).build());
    }

    private void reject(ErrorCode code, String message) {
      rejected = true;
      notPending();
      try {
        out.onNext(GatewayFrame.newBuilder().setRejected(Rejected.newBuilder().setError(Wire.error(code, message))).build());
        out.onCompleted();
      } catch (RuntimeException e) {
        log.debug("Could not send Rejected: {}", e.toString());
      }
    }

    @Override
    public void onError(Throwable t) {
      notPending();
      if (session != null) {
        scheduler.onNodeGone(session, "its stream broke (" + Status.fromThrowable(t).getCode() + ")");
      }
    }

    @Override
    public void onCompleted() {
      notPending();
      if (session != null) {
        scheduler.onNodeGone(session, "it closed its stream");
      } else if (!rejected) {
        out.onCompleted();
      }
    }
  }
}
