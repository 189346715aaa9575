package io.easyremote.bench.child;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.util.Map;

/** The NATS side of the peer baseline: answers every request on {@code bench.echo} with its own data. */
final class NatsResponderRole implements ChildRole {
  private final String url;
  private Connection connection;

  NatsResponderRole(String[] args) {
    this.url = args[0];
  }

  @Override
  public Map<String, String> start() throws Exception {
    connection = Nats.connect(new Options.Builder().server(url).noReconnect().build());
    Dispatcher dispatcher = connection.createDispatcher(message -> connection.publish(message.getReplyTo(), message.getData()));
    dispatcher.subscribe("bench.echo");
    connection.flush(java.time.Duration.ofSeconds(5));
    return Map.of("subject", "bench.echo");
  }

  @Override
  public void close() throws InterruptedException {
    connection.close();
  }
}
