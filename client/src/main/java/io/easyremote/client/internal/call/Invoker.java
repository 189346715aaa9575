package io.easyremote.client.internal.call;

import io.easyremote.client.internal.codec.Arguments;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.client.internal.transport.Rpc;
import io.easyremote.client.internal.transport.RpcFuture;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import java.time.Duration;

/**
 * Performs calls for a client: checks names, encodes arguments, applies the deadline, sends
 * {@code Gateway.Call} and turns the reply into a value or a {@link RemoteException}. Immutable
 * and thread-safe; {@link #withDeadline} derives a copy on the same channel.
 */
public final class Invoker {
  private final GatewayChannel gateway;
  private final Duration deadline;
  private final int maxPayloadBytes;

  public Invoker(GatewayChannel gateway, Duration deadline, int maxPayloadBytes) {
    this.gateway = gateway;
    this.deadline = deadline;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** A copy with another default deadline, sharing the channel. */
  public Invoker withDeadline(Duration newDeadline) {
    return new Invoker(gateway, newDeadline, maxPayloadBytes);
  }

  public GatewayChannel gateway() {
    return gateway;
  }

  public Duration deadline() {
    return deadline;
  }

  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /** What a successful reply becomes: the decoded value plus where and how fast it was served. */
  @FunctionalInterface
  public interface ReplyHandler<T, R> {
    R apply(T value, String nodeId, long latencyNanos);
  }

  /** Calls {@code function} and completes with its value. */
  public <T> RpcFuture<T> call(String nodeId, String function, ResultReader<T> reader, Object[] args) {
    return call(nodeId, function, reader, args, (value, node, nanos) -> value);
  }

  /**
   * Calls {@code function}, pinned to {@code nodeId} when it is not null, and completes with what
   * {@code handler} makes of the decoded value. Never throws: every failure, including bad input
   * found before sending, completes the future with a {@link RemoteException}.
   */
  public <T, R> RpcFuture<R> call(
      String nodeId, String function, ResultReader<T> reader, Object[] args, ReplyHandler<T, R> handler) {
    CallRequest request;
    try {
      request = request(nodeId, function, args);
    } catch (RemoteException e) {
      return RpcFuture.failed(e);
    }
    long start = System.nanoTime();
    return Rpc.unary(gateway, GatewayGrpc.getCallMethod(), request, deadline, "'" + function + "'",
        reply -> {
          long latency = System.nanoTime() - start;
          String servedBy = reply.getNodeId().isEmpty() ? null : reply.getNodeId();
          Payload payload = payloadOf(function, reply, servedBy);
          return handler.apply(reader.read(function, payload, servedBy), servedBy, latency);
        },
        null);
  }

  private CallRequest request(String nodeId, String function, Object[] args) {
    String problem = Names.functionNameProblem(function);
    if (problem != null) {
      throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid function name: " + problem + ".");
    }
    CallRequest.Builder request = CallRequest.newBuilder().setFunction(function);
    if (nodeId != null) {
      String nodeProblem = Names.nodeIdProblem(nodeId);
      if (nodeProblem != null) {
        throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid node id: " + nodeProblem + ".");
      }
      request.setNodeId(nodeId);
    }
    return request.setPayload(Arguments.encode(function, Arguments.orNone(args), maxPayloadBytes)).build();
  }

  private Payload payloadOf(String function, CallReply reply, String servedBy) {
    switch (reply.getOutcomeCase()) {
      case PAYLOAD:
        return reply.getPayload();
      case ERROR:
        Error error = reply.getError();
        if (error.getNodeId().isEmpty() && servedBy != null) {
          error = error.toBuilder().setNodeId(servedBy).build();
        }
        throw Wire.toException(error);
      default:
        throw new RemoteException(ErrorCode.INTERNAL,
            "Gateway " + gateway.address() + " answered '" + function + "' with neither a result nor an error.",
            true, 0, servedBy, null);
    }
  }
}
