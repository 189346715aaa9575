package io.easyremote.bench.callers;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;

/** {@code POST /api/echo} on the gateway over HTTP/1.1 or h2c, with Armeria's client. */
public final class RestCaller implements Caller {
  private final String name;
  private final ClientFactory factory;
  private final WebClient client;
  private final String body;
  private final String expected;

  /** Calls the gateway on {@code port} with {@code protocol} (H1C or H2C) and a {@code size}-character text. */
  public RestCaller(int port, SessionProtocol protocol, int size) {
    this.name = "REST " + (protocol == SessionProtocol.H1C ? "HTTP/1.1" : "h2c");
    this.factory = ClientFactory.builder().build();
    this.client = WebClient.builder(protocol, com.linecorp.armeria.client.Endpoint.of("127.0.0.1", port))
        .factory(factory).build();
    String text = Caller.text(size);
    this.body = "[\"" + text + "\"]";
    this.expected = "\"" + text + "\"";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void call() {
    AggregatedHttpResponse response = client.blocking().prepare().post("/api/echo").content(MediaType.JSON_UTF_8, body).execute();
    Caller.check(response.status() == HttpStatus.OK && response.contentUtf8().equals(expected), name);
  }

  @Override
  public void close() {
    factory.close();
  }
}
