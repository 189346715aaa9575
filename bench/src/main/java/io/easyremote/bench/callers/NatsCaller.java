package io.easyremote.bench.callers;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;

/** The peer yardstick: NATS request-reply through a local nats-server to a responder process. */
public final class NatsCaller implements Caller {
  private final Connection connection;
  private final byte[] data;

  /** Connects to {@code url}; each request carries {@code size} bytes. */
  public NatsCaller(String url, int size) throws Exception {
    this.connection = Nats.connect(new Options.Builder().server(url).noReconnect().build());
    this.data = Caller.bytes(size);
  }

  @Override
  public String name() {
    return "NATS req-reply";
  }

  @Override
  public void call() throws Exception {
    Message reply = connection.request("bench.echo", data, Duration.ofSeconds(30));
    Caller.check(reply != null && reply.getData().length == data.length, name());
  }

  @Override
  public void close() throws InterruptedException {
    connection.close();
  }
}
