package io.easyremote.client.internal.call;

import io.easyremote.client.internal.transport.Rpc;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.DrainNodeReply;
import io.easyremote.protocol.wire.DrainNodeRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.GetNodeRequest;
import io.easyremote.protocol.wire.ListFunctionsRequest;
import io.easyremote.protocol.wire.ListNodesRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;

/**
 * The client's questions about the network ({@code ListNodes}, {@code GetNode},
 * {@code ListFunctions}) and its one operator request ({@code DrainNode}), answered synchronously.
 */
public final class GatewayQueries {
  private GatewayQueries() {}

  /** @throws RemoteException when the gateway cannot answer within the deadline, or refuses */
  public static List<NodeInfo> nodes(Invoker invoker) {
    Await.checkNotInterrupted("ListNodes");
    return Await.result(
        Rpc.unary(invoker.gateway(), GatewayGrpc.getListNodesMethod(), ListNodesRequest.getDefaultInstance(),
            invoker.deadline(), "ListNodes", reply -> reply.getNodesList().stream().map(Wire::fromWire).toList(), null),
        "ListNodes");
  }

  /** @throws RemoteException {@code NO_NODE_AVAILABLE} for an unknown id, {@code INVALID_REQUEST} for a malformed one */
  public static NodeInfo node(Invoker invoker, String id) {
    String problem = Names.nodeIdProblem(id);
    if (problem != null) {
      throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid node id: " + problem + ".");
    }
    Await.checkNotInterrupted("GetNode");
    return Await.result(
        Rpc.unary(invoker.gateway(), GatewayGrpc.getGetNodeMethod(), GetNodeRequest.newBuilder().setNodeId(id).build(),
            invoker.deadline(), "GetNode '" + id + "'", Wire::fromWire,
            status -> status.getCode() != Status.Code.NOT_FOUND ? null
                : new RemoteException(ErrorCode.NO_NODE_AVAILABLE, status.getDescription() != null
                    ? status.getDescription() : "No node '" + id + "' is connected.")),
        "GetNode");
  }

  /** @throws RemoteException {@code NO_NODE_AVAILABLE} for an unknown id, {@code INVALID_REQUEST} for a malformed one, as {@link #nodes} otherwise */
  public static int drain(Invoker invoker, String id, Duration grace) {
    String problem = Names.nodeIdProblem(id);
    if (problem != null) {
      throw new RemoteException(ErrorCode.INVALID_REQUEST, "Invalid node id: " + problem + ".");
    }
    Await.checkNotInterrupted("DrainNode");
    return Await.result(
        Rpc.unary(invoker.gateway(), GatewayGrpc.getDrainNodeMethod(),
            DrainNodeRequest.newBuilder().setNodeId(id).setGraceMs(grace.toMillis()).build(),
            invoker.deadline(), "DrainNode '" + id + "'", DrainNodeReply::getInFlight,
            status -> status.getCode() != Status.Code.NOT_FOUND ? null
                : new RemoteException(ErrorCode.NO_NODE_AVAILABLE, status.getDescription() != null
                    ? status.getDescription() : "No node '" + id + "' is connected.")),
        "DrainNode");
  }

  /** Also tells the retry machinery which functions are idempotent. @throws RemoteException as {@link #nodes} */
  public static List<FunctionInfo> functions(Invoker invoker) {
    Await.checkNotInterrupted("ListFunctions");
    return Await.result(
        Rpc.unary(invoker.gateway(), GatewayGrpc.getListFunctionsMethod(), ListFunctionsRequest.getDefaultInstance(),
            invoker.deadline(), "ListFunctions", reply -> {
              invoker.retries().learnIdempotent(Invoker.idempotentNames(reply.getFunctionsList()));
              return reply.getFunctionsList().stream().map(Wire::fromWire).toList();
            }, null),
        "ListFunctions");
  }
}
