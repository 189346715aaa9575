package io.easyremote.protocol.internal;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.NodeResources;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Gpu;
import io.easyremote.protocol.wire.Resources;
import io.easyremote.protocol.wire.Visibility;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/** Conversions between the generated wire messages and the public value types. */
public final class Wire {
  private Wire() {}

  /** The wire form of a public error code. */
  public static io.easyremote.protocol.wire.ErrorCode toWire(ErrorCode code) {
    return io.easyremote.protocol.wire.ErrorCode.valueOf(code.name());
  }

  /** The public form of a wire error code; unknown or unset codes become {@link ErrorCode#INTERNAL}. */
  public static ErrorCode fromWire(io.easyremote.protocol.wire.ErrorCode code) {
    if (code == io.easyremote.protocol.wire.ErrorCode.UNRECOGNIZED
        || code == io.easyremote.protocol.wire.ErrorCode.ERROR_CODE_UNSPECIFIED) {
      return ErrorCode.INTERNAL;
    }
    return ErrorCode.valueOf(code.name());
  }

  /** A {@code CallReply} carrying {@code error}, with its node when the error names one (the call reached it). */
  public static CallReply errorReply(Error error) {
    CallReply.Builder reply = CallReply.newBuilder().setError(error);
    if (!error.getNodeId().isEmpty()) {
      reply.setNodeId(error.getNodeId());
    }
    return reply.build();
  }

  /** A wire error with a code and message. */
  public static Error error(ErrorCode code, String message) {
    return Error.newBuilder().setCode(toWire(code)).setMessage(message).build();
  }

  /** The wire form of an exception, keeping every detail. */
  public static Error toWire(RemoteException e) {
    Error.Builder b =
        Error.newBuilder()
            .setCode(toWire(e.code()))
            .setMessage(String.valueOf(e.getMessage()))
            .setReachedNode(e.reachedNode())
            .setRetryAfterMs(e.retryAfterMillis());
    if (e.nodeId() != null) {
      b.setNodeId(e.nodeId());
    }
    if (e instanceof RemoteFunctionException f) {
      b.setRemoteType(f.remoteType()).setRemoteStack(f.remoteStack());
    }
    return b.build();
  }

  /** The exception a caller sees for a wire error. */
  public static RemoteException toException(Error e) {
    ErrorCode code = fromWire(e.getCode());
    String nodeId = e.getNodeId().isEmpty() ? null : e.getNodeId();
    if (code == ErrorCode.FUNCTION_FAILED) {
      return new RemoteFunctionException(e.getMessage(), e.getRemoteType(), e.getRemoteStack(), nodeId);
    }
    return new RemoteException(code, e.getMessage(), e.getReachedNode(), e.getRetryAfterMs(), nodeId, null);
  }

  /** Resources from a heartbeat or hello. */
  public static NodeResources fromWire(Resources r) {
    List<NodeResources.Gpu> gpus = new ArrayList<>(r.getGpusCount());
    for (Gpu g : r.getGpusList()) {
      gpus.add(new NodeResources.Gpu(g.getName(), g.hasUtilisation() ? OptionalDouble.of(g.getUtilisation()) : OptionalDouble.empty(),
          g.getMemoryTotalBytes(), g.getMemoryFreeBytes()));
    }
    return new NodeResources(r.getCpuLoad(), r.getMemoryTotalBytes(), r.getMemoryFreeBytes(), r.getCpuCores(), gpus);
  }

  /** The wire form of resources. */
  public static Resources toWire(NodeResources r) {
    Resources.Builder b =
        Resources.newBuilder()
            .setCpuLoad(r.cpuLoad())
            .setMemoryTotalBytes(r.memoryTotalBytes())
            .setMemoryFreeBytes(r.memoryFreeBytes())
            .setCpuCores(r.cpuCores());
    for (NodeResources.Gpu g : r.gpus()) {
      Gpu.Builder gpu = Gpu.newBuilder().setName(g.name()).setMemoryTotalBytes(g.memoryTotalBytes()).setMemoryFreeBytes(g.memoryFreeBytes());
      g.utilisation().ifPresent(gpu::setUtilisation);
      b.addGpus(gpu);
    }
    return b.build();
  }

  /** A node snapshot from its wire form. */
  public static NodeInfo fromWire(io.easyremote.protocol.wire.NodeInfo n) {
    return new NodeInfo(
        n.getNodeId(),
        n.getState(),
        n.getLabelsMap(),
        fromWire(n.getResources()),
        n.getMaxConcurrency(),
        n.getInFlight(),
        n.getFunctionsList(),
        Instant.ofEpochMilli(n.getConnectedAtMs()),
        Instant.ofEpochMilli(n.getLastHeartbeatMs()),
        n.getCallsServed(),
        n.getCallsFailed(),
        n.getEwmaLatencyMs(),
        n.getErrorRate(),
        n.getCost(),
        n.getVersion(),
        n.getGatewayId());
  }

  /** A function listing entry from its wire form. */
  public static FunctionInfo fromWire(io.easyremote.protocol.wire.FunctionInfo f) {
    FunctionSpec s = f.getSpec();
    List<FunctionInfo.Parameter> params = new ArrayList<>(s.getParametersCount());
    for (io.easyremote.protocol.wire.Parameter p : s.getParametersList()) {
      params.add(new FunctionInfo.Parameter(p.getName(), p.getType(), p.getSchema()));
    }
    return new FunctionInfo(
        s.getName(),
        s.getDescription(),
        params,
        s.getResultType(),
        s.getResultSchema(),
        s.getStreaming(),
        s.getIdempotent(),
        s.getVisibility() == Visibility.PUBLIC,
        f.getNodeIdsList(),
        f.getQueued());
  }
}
