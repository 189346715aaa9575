package io.easyremote.gateway.internal.grpc;

import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.List;

/**
 * The standard {@code grpc.health.v1.Health} service on the gateway's port, so Kubernetes probes,
 * {@code grpc_health_probe} and load balancers can ask without knowing our protocol. It answers
 * for the whole server ({@code ""}) and per service ({@code easyremote.v1.Gateway},
 * {@code easyremote.v1.NodeLink}): {@code SERVING} from start, {@code NOT_SERVING} for good once the
 * gateway starts draining, and {@code NOT_FOUND} (gRPC status) for any other service name.
 */
public final class GrpcHealth {
  /** The service names answered besides the whole server's {@code ""}. */
  public static final List<String> SERVICES = List.of(GatewayGrpc.SERVICE_NAME, NodeLinkGrpc.SERVICE_NAME);

  private final HealthStatusManager manager = new HealthStatusManager();

  public GrpcHealth() {
    manager.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    for (String service : SERVICES) {
      manager.setStatus(service, ServingStatus.SERVING);
    }
  }

  /** The gRPC service to add to the server. */
  public BindableService service() {
    return manager.getHealthService();
  }

  /** Every service answers NOT_SERVING from now on (watchers are told at once); nothing turns it back. */
  public void draining() {
    manager.enterTerminalState();
  }
}
