package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The gateway's HTTP API for commands the gRPC client does not cover (credits, grants, usage). */
final class GatewayHttp {
  private final String base;
  private final String key;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  GatewayHttp(ClientConnection connection, PrintWriter err) {
    if (connection.tls.enabled() && connection.tls.ca() != null) {
      throw new IllegalArgumentException("this command trusts the system's certificate authorities only: drop --tls-ca");
    }
    this.base = (connection.tls.enabled() ? "https://" : "http://") + connection.address();
    this.key = connection.key(err);
  }

  /** The JSON answer of a GET; a gateway error is thrown as IllegalStateException with its code and message. */
  JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET());
  }

  /** The JSON answer of a POST with a JSON body. */
  JsonNode post(String path, String json) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
    request.timeout(Duration.ofSeconds(30));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body;
    try {
      body = CliJson.mapper().readTree(response.body());
    } catch (IOException e) {
      throw new IllegalStateException("HTTP " + response.statusCode() + " from the gateway: " + response.body());
    }
    if (response.statusCode() != 200) {
      String code = body.path("ledgerError").asText(body.path("code").asText("HTTP " + response.statusCode()));
      throw new IllegalStateException(code + ": " + body.path("message").asText(response.body()));
    }
    return body;
  }
}
