package io.easyremote.testing.cluster;

import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.ClusterConfig;
import io.easyremote.gateway.Gateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two gateways, {@code gw-a} and {@code gw-b}, on one real nats-server (each with its own NATS
 * user), and whatever a test opens beside them; {@link #close()} closes it all in reverse order.
 */
final class TwoGateways implements AutoCloseable {
  private static final String PASSWORD = "nats-pw-0123456789";
  private static final String SECRET = "cluster-secret-0123456789abcdef";

  private final NatsServers nats;
  private final List<AutoCloseable> open = new ArrayList<>();

  TwoGateways() throws Exception {
    nats = NatsServers.builder().servers(1).user(NatsUser.gateway("gw-a", PASSWORD)).user(NatsUser.gateway("gw-b", PASSWORD)).start();
  }

  /** Starts gateway {@code id} ({@code gw-a} or {@code gw-b}) with {@code access} on port 0. */
  Gateway gateway(String id, Access access) {
    return gateway(id, access, builder -> builder);
  }

  /** Starts gateway {@code id} with {@code access} on port 0, its builder tuned by {@code tune} (timeouts, say). */
  Gateway gateway(String id, Access access, java.util.function.UnaryOperator<Gateway.Builder> tune) {
    return add(tune.apply(Gateway.builder().port(0).registrationGrace(Duration.ZERO).drainTimeout(Duration.ofSeconds(1)).access(access)
        .cluster(ClusterConfig.builder().servers(nats.urls()).gatewayId(id).userPassword(id, PASSWORD.toCharArray())
            .secret(SECRET.toCharArray()).build()))
        .build().start());
  }

  /** Closes {@code resource} with the rest. */
  <T extends AutoCloseable> T add(T resource) {
    open.add(resource);
    return resource;
  }

  @Override
  public void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    nats.close();
  }
}
