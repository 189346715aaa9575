package io.easyremote.cli;

import io.easyremote.protocol.wire.DrainNodeRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code easyremote drain NODE}: takes a node out of service gracefully. */
@Command(name = "drain", description = "Drains a node: no new calls go to it, running ones finish, then it disconnects.")
final class DrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Parameters(index = "0", paramLabel = "NODE", description = "The node id.")
  String node;

  @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class, description = "How long running calls may take (default: ${DEFAULT-VALUE}).")
  Duration grace;

  @Override
  public Integer call() throws Exception {
    String key = gateway.key(spec.commandLine().getErr());
    ManagedChannel channel = Grpc.newChannelBuilder(gateway.address(), credentials()).build();
    try {
      GatewayGrpc.GatewayBlockingStub stub = GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      if (key != null) {
        Metadata headers = new Metadata();
        headers.put(io.easyremote.protocol.internal.Metadata.AUTHORIZATION, "Bearer " + key);
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      int running = stub.drainNode(DrainNodeRequest.newBuilder().setNodeId(node).setGraceMs(grace.toMillis()).build()).getInFlight();
      System.out.println("Draining " + node + ": " + running + " call(s) still running; it disconnects when they finish.");
      return 0;
    } catch (StatusRuntimeException e) {
      System.err.println(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      return Main.REMOTE_ERROR;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private ChannelCredentials credentials() throws java.io.IOException {
    if (!gateway.tls.enabled()) {
      return InsecureChannelCredentials.create();
    }
    return gateway.tls.ca() == null ? TlsChannelCredentials.create()
        : TlsChannelCredentials.newBuilder().trustManager(gateway.tls.ca().toFile()).build();
  }
}
