package io.easyremote.cli;

import io.easyremote.client.Client;
import java.time.Duration;

/** Builds the client every caller-side command uses. */
final class ClientFactory {
  private ClientFactory() {}

  static Client connect(GatewayAddress gateway, Duration deadline) {
    Client.Builder builder = Client.builder().gateway(gateway.address()).deadline(deadline);
    String key = gateway.key();
    if (key != null && !key.isBlank()) {
      builder.apiKey(key);
    }
    return builder.build();
  }
}
