package io.easyremote.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gateways reach NATS over TLS (a self-signed test certificate made by openssl); plain or untrusting clients are refused. */
class NatsDirectoryTlsTest {
  @TempDir
  Path dir;

  private void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("openssl %s: %s", args[0], output).isZero();
  }

  private static SSLContext trusting(Path pem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  @Test
  void tlsServer_trustedGatewaysConverge_plainOrUntrustingOnesAreRefused() throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem", "-days", "2",
        "-subj", "/CN=Some Other CA");
    SSLContext trusted = trusting(dir.resolve("cert.pem"));
    try (NatsServers nats = NatsServers.builder().tls(dir.resolve("cert.pem"), dir.resolve("key.pem"))
        .user(NatsUser.gateway("gw-a", "pw")).user(NatsUser.gateway("gw-b", "pw")).start();
         NatsDirectory a = NatsDirectory.builder().servers(nats.urls()).gatewayId("gw-a").userPassword("gw-a", "pw".toCharArray())
             .tls(trusted).build().start();
         NatsDirectory b = NatsDirectory.builder().servers(nats.urls()).gatewayId("gw-b").userPassword("gw-b", "pw".toCharArray())
             .tls(trusted).build().start()) {
      a.publish(List.of(LocalNode.of("a0", Set.of("add"), 2, 0)));
      await().atMost(Duration.ofSeconds(5)).until(() -> b.view().node("a0").isPresent());

      assertThatThrownBy(() -> NatsDirectory.builder().servers(nats.urls()).gatewayId("gw-b").userPassword("gw-b", "pw".toCharArray())
          .connectTimeout(Duration.ofSeconds(2)).build().start())
          .as("a client without TLS").isInstanceOf(IOException.class).hasMessageContaining("cannot connect to NATS");
      assertThatThrownBy(() -> NatsDirectory.builder().servers(nats.urls()).gatewayId("gw-b").userPassword("gw-b", "pw".toCharArray())
          .tls(trusting(dir.resolve("other.pem"))).connectTimeout(Duration.ofSeconds(2)).build().start())
          .as("a client that does not trust the server's certificate").isInstanceOf(IOException.class)
          .hasMessageContaining("cannot connect to NATS");
    }
  }
}
