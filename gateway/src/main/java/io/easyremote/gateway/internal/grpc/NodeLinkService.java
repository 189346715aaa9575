package io.easyremote.gateway.internal.grpc;

import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.NodeSession;
import io.easyremote.gateway.internal.core.RegistrationException;
import io.easyremote.gateway.internal.security.NodeAdmission;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.Rejected;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node-facing gRPC service: one {@code Connect} stream per node, translated into scheduler events. */
public final class NodeLinkService extends NodeLinkGrpc.NodeLinkImplBase {
  private static final Logger log = LoggerFactory.getLogger(NodeLinkService.class);

  private final CallScheduler scheduler;
  private final NodeAdmission admission;

  public NodeLinkService(CallScheduler scheduler, NodeAdmission admission) {
    this.scheduler = scheduler;
    this.admission = admission;
  }

  @Override
  public StreamObserver<NodeFrame> connect(StreamObserver<GatewayFrame> out) {
    return new Link(out);
  }

  /** One node's stream. Frames of one stream arrive serially. */
  private final class Link implements StreamObserver<NodeFrame> {
    private final StreamObserver<GatewayFrame> out;
    private NodeSession session;
    private boolean rejected;

    Link(StreamObserver<GatewayFrame> out) {
      this.out = out;
    }

    @Override
    public void onNext(NodeFrame frame) {
      if (rejected) {
        return;
      }
      if (session == null) {
        if (frame.getKindCase() != NodeFrame.KindCase.HELLO) {
          reject(ErrorCode.INVALID_REQUEST, "The first frame on a node link must be Hello, got " + frame.getKindCase() + ".");
          return;
        }
        String remote = String.valueOf(ServiceRequestContext.current().remoteAddress());
        try {
          String principal = admission.admit(frame.getHello(), remote);
          session = scheduler.register(frame.getHello(), out, principal, admission::mayShare);
          NodeAdmission.audit().info("REGISTER node '{}' from {} with token '{}': {} function(s)", session.nodeId(), remote,
              principal == null ? "-" : principal, frame.getHello().getFunctionsCount());
        } catch (RegistrationException e) {
          log.warn("Rejected node '{}': {}", frame.getHello().getNodeId(), e.getMessage());
          reject(e.code(), e.getMessage());
        }
        return;
      }
      switch (frame.getKindCase()) {
        case RESULT -> scheduler.onResult(session, frame.getResult());
        case STREAM_ITEM -> scheduler.onStreamItem(session, frame.getStreamItem());
        case STREAM_END -> scheduler.onStreamEnd(session, frame.getStreamEnd());
        case HEARTBEAT -> scheduler.onHeartbeat(session, frame.getHeartbeat());
        case DRAIN -> scheduler.onNodeDraining(session);
        case HELLO -> log.debug("Ignored a second Hello from {}", session);
        default -> log.debug("Ignored a {} frame from {}", frame.getKindCase(), session);
      }
    }

    private void reject(ErrorCode code, String message) {
      rejected = true;
      try {
        out.onNext(GatewayFrame.newBuilder().setRejected(Rejected.newBuilder().setError(Wire.error(code, message))).build());
        out.onCompleted();
      } catch (RuntimeException e) {
        log.debug("Could not send Rejected: {}", e.toString());
      }
    }

    @Override
    public void onError(Throwable t) {
      if (session != null) {
        scheduler.onNodeGone(session, "its stream broke (" + Status.fromThrowable(t).getCode() + ")");
      }
    }

    @Override
    public void onCompleted() {
      if (session != null) {
        scheduler.onNodeGone(session, "it closed its stream");
      } else if (!rejected) {
        out.onCompleted();
      }
    }
  }
}
