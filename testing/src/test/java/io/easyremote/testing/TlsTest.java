package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.easyremote.client.Client;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS end to end with a test CA made by openssl: gateway, node and a gRPC caller verify it; strangers are refused. */
class TlsTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void makeCertificates() throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=EasyRemote Test CA");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
        "-days", "2", "-extfile", "san.ext");
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "server.key.pem", "-out", "server.key");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem", "-days", "2",
        "-subj", "/CN=Some Other CA");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key.pem", "-out", "self.pem", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "self.key.pem", "-out", "self.key");
  }

  private static void openssl(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("openssl %s: %s", args[0], output).isZero();
  }

  @Test
  void tlsEndToEnd_withTheTestCa_works_andAnUntrustingPeerGetsAClearError() throws Exception {
    try (Gateway gateway = Gateway.builder().port(0).tls(dir.resolve("server.pem"), dir.resolve("server.key")).build().start();
         ComputeNode node = ComputeNode.builder().gateway(gateway.address()).id("tls-node").tls(dir.resolve("ca.pem"))
             .register(new SampleFunctions("tls-node")).build().start()) {
      ManagedChannel channel = Grpc.newChannelBuilder(gateway.address(),
          TlsChannelCredentials.newBuilder().trustManager(dir.resolve("ca.pem").toFile()).build()).build();
      try {
        CallReply reply = GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).call(CallRequest.newBuilder()
            .setFunction("add").setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8("[40, 2]"))).build());
        assertThat(reply.getPayload().getData().toStringUtf8()).isEqualTo("42");
        assertThat(reply.getNodeId()).isEqualTo("tls-node");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      assertThatThrownBy(() -> ComputeNode.builder().gateway(gateway.address()).id("stranger").tls(dir.resolve("other.pem"))
          .connectTimeout(Duration.ofSeconds(2)).register(new SampleFunctions("stranger")).build().start())
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).containsIgnoringCase("certif");
          });
      assertThatThrownBy(() -> ComputeNode.builder().gateway(gateway.address()).id("plain")
          .connectTimeout(Duration.ofSeconds(2)).register(new SampleFunctions("plain")).build().start())
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
      assertThat(gateway.nodes()).extracting(n -> n.id()).containsExactly("tls-node");
    }
  }

  /** Issue 13, item 8: a plaintext client knocking on a TLS gateway costs one log line, not a stack trace. */
  @Test
  void plaintextConnections_toATlsGateway_logOneLineEach() throws Exception {
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    try (Gateway gateway = Gateway.builder().port(0).tls(dir.resolve("server.pem"), dir.resolve("server.key")).build().start()) {
      System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
      for (int i = 0; i < 3; i++) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.port())) {
          socket.setSoTimeout(5000);
          socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          socket.getOutputStream().flush();
          assertThat(socket.getInputStream().read()).as("closed by the gateway").isIn(-1, 21); // EOF, or a TLS alert record
        } catch (java.net.SocketException closed) {
          // reset by the gateway: closed too
        }
      }
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
          .until(() -> captured.toString(java.nio.charset.StandardCharsets.UTF_8).split("did not speak TLS", -1).length - 1 == 3);
    } finally {
      System.setErr(original);
    }
    String logs = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    original.print(logs);
    assertThat(logs).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void selfSignedGateway_clientOrNodeNotTrustingIt_failsNamingTheCertificateProblem() {
    try (Gateway gateway = Gateway.builder().port(0).tls(dir.resolve("self.pem"), dir.resolve("self.key")).build().start()) {
      for (Client.Builder untrusting : List.of(Client.builder().tls(), Client.builder().tls(dir.resolve("other.pem")))) {
        try (Client client = untrusting.gateway(gateway.address()).build()) {
          assertThatThrownBy(() -> client.call("add", Integer.class, 1, 2)).isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("TLS certificate problem: the certificate of gateway " + gateway.address()
                + " is not trusted (unable to find valid certification path to requested target)", "tls(caPem)", "--tls-ca FILE");
            assertThat(e.reachedNode()).isFalse();
          });
        }
      }
      for (ComputeNode.Builder untrusting : List.of(ComputeNode.builder().tls(), ComputeNode.builder().tls(dir.resolve("other.pem")))) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> untrusting.gateway(gateway.address()).id("untrusting").connectTimeout(Duration.ofSeconds(20))
            .register(new SampleFunctions("untrusting")).build().start())
            .isInstanceOfSatisfying(RemoteException.class, e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
              assertThat(e.getMessage()).contains("TLS certificate problem: the certificate of gateway " + gateway.address()
                  + " is not trusted", "--tls-ca FILE");
            });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails at once, not at the connect timeout")
            .isLessThan(Duration.ofSeconds(10));
      }
    }
  }

  @Test
  void plaintextAgainstTls_andTlsAgainstPlaintext_failWithAHintAboutTls() {
    try (Gateway tlsGateway = Gateway.builder().port(0).tls(dir.resolve("self.pem"), dir.resolve("self.key")).build().start();
         Gateway plainGateway = Gateway.builder().port(0).build().start();
         Client plain = Client.builder().gateway(tlsGateway.address()).build();
         Client tls = Client.builder().gateway(plainGateway.address()).tls(dir.resolve("self.pem")).build()) {
      assertThatThrownBy(() -> plain.call("add", Integer.class, 1, 2)).isInstanceOfSatisfying(RemoteException.class,
          e -> assertThat(e.getMessage()).contains("if the gateway uses TLS, dial it with Client.builder().tls(caPem)"));
      assertThatThrownBy(() -> tls.call("add", Integer.class, 1, 2)).isInstanceOfSatisfying(RemoteException.class,
          e -> assertThat(e.getMessage()).contains("gateway " + plainGateway.address() + " did not answer in TLS"));
      assertThatThrownBy(() -> ComputeNode.builder().gateway(plainGateway.address()).id("tls-to-plain").tls(dir.resolve("self.pem"))
          .register(new SampleFunctions("tls-to-plain")).build().start())
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.getMessage()).contains("did not answer in TLS"));
      assertThatThrownBy(() -> ComputeNode.builder().gateway(tlsGateway.address()).id("plain-to-tls").connectTimeout(Duration.ofSeconds(1))
          .register(new SampleFunctions("plain-to-tls")).build().start())
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.getMessage()).contains("If the gateway uses TLS"));
    }
  }
}
