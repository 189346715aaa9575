package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The gateway's HTTP API for commands the gRPC client does not cover (credits, grants, usage). */
final class GatewayHttp {
  private final String base;
  private final String key;

  private final HttpClient http;

  GatewayHttp(ClientConnection connection, PrintWriter err) {
    this.base = (connection.tls.enabled() ? "https://" : "http://") + connection.address();
    this.key = connection.key(err);
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    Path ca = connection.tls.ca();
    if (ca != null) {
      builder.sslContext(trusting(ca));
    }
    this.http = builder.build();
  }

  /** TLS that trusts only the certificate authorities in the PEM file {@code ca}, as the gRPC commands do. */
  private static SSLContext trusting(Path ca) {
    try (InputStream in = Files.newInputStream(ca)) {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int n = 0;
      for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trusted.setCertificateEntry("ca-" + n++, certificate);
      }
      if (n == 0) {
        throw new IllegalArgumentException("--tls-ca " + ca + " holds no PEM certificate");
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the certificate authority in --tls-ca " + ca + ": " + e.getMessage(), e);
    }
  }

  /** The JSON answer of a GET; a gateway error is thrown as a {@link RemoteException} with its code and message. */
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
      String message = body.path("message").asText(response.body());
      String ledgerError = body.path("ledgerError").asText("");
      if (!ledgerError.isEmpty()) {
        message = ledgerError + ": " + message;
      }
      ErrorCode code;
      try {
        code = ErrorCode.valueOf(body.path("code").asText(""));
      } catch (IllegalArgumentException notOurs) {
        throw new IllegalStateException("HTTP " + response.statusCode() + " from the gateway: " + message);
      }
      throw new RemoteException(code, message); // printed and exited with as a gRPC command's remote error
    }
    return body;
  }
}
