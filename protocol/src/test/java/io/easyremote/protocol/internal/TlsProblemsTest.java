package io.easyremote.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** TLS failures deep in a gRPC cause chain are named in one sentence; other failures are left alone. */
class TlsProblemsTest {
  private static Throwable wrapped(Throwable cause) {
    SSLHandshakeException handshake = new SSLHandshakeException("General OpenSslEngine problem");
    handshake.initCause(cause);
    return Status.UNAVAILABLE.withDescription("io exception").withCause(handshake).asRuntimeException();
  }

  @Test
  void describe_untrustedCertificate_namesItAndSaysHowToTrust() {
    Throwable failure = wrapped(new CertificateException("PKIX path building failed: "
        + "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"));

    assertThat(TlsProblems.describe(failure, "gateway gw:443", "--tls-ca FILE")).isEqualTo("TLS certificate problem: the certificate of "
        + "gateway gw:443 is not trusted (unable to find valid certification path to requested target). Trust the certificate "
        + "authority that signed it with --tls-ca FILE.");
  }

  @Test
  void describe_certificateForAnotherName_saysSo() {
    Throwable failure = wrapped(new CertificateException("No name matching localhost found"));

    assertThat(TlsProblems.describe(failure, "gateway localhost:443", "x"))
        .startsWith("TLS certificate problem: the certificate of gateway localhost:443 is not issued for that host name or address "
            + "(No name matching localhost found).");
  }

  @Test
  void describe_handshakeWithoutCertificateCause_namesTheHandshake_andAHugeMessageIsCut() {
    Throwable failure = wrapped(new IOException("x".repeat(10_000)));

    assertThat(TlsProblems.describe(failure, "gateway gw:443", "x")).isEqualTo("TLS handshake with gateway gw:443 failed (General OpenSslEngine problem).");
    assertThat(TlsProblems.describe(new SSLHandshakeException("y".repeat(10_000)), "p", "x")).hasSizeLessThan(300);
  }

  @Test
  void describe_notATlsFailure_isNull() {
    assertThat(TlsProblems.describe(Status.UNAVAILABLE.withCause(new java.net.ConnectException("refused")).asRuntimeException(), "p", "x")).isNull();
    assertThat(TlsProblems.describe(null, "p", "x")).isNull();
  }
}
