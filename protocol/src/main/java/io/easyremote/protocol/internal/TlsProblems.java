package io.easyremote.protocol.internal;

import java.security.cert.CertificateException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import javax.net.ssl.SSLException;

/**
 * Names the TLS problem behind a failed connection, for the client's and the node's messages:
 * grpc-java reports an untrusted certificate as {@code UNAVAILABLE: io exception}, with the
 * reason only deep in the cause chain.
 */
public final class TlsProblems {
  private static final int MAX_DETAIL_CHARS = 200;

  private TlsProblems() {}

  /**
   * A sentence naming what went wrong in the TLS handshake, with what to do about it, or null
   * when nothing in {@code failure}'s causes is a TLS problem.
   *
   * @param failure the failure and its causes (may be null)
   * @param peer who was dialled, for the message, such as {@code gateway 127.0.0.1:8080}
   * @param trustHint how to trust a certificate authority, such as {@code tls(caPem) or --tls-ca FILE}
   */
  public static String describe(Throwable failure, String peer, String trustHint) {
    Throwable certificate = null;
    Throwable handshake = null;
    Throwable notTls = null;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (certificate == null && (t instanceof CertificateException || t instanceof CertPathBuilderException
          || t instanceof CertPathValidatorException)) {
        certificate = t;
      } else if (notTls == null && t.getClass().getSimpleName().equals("NotSslRecordException")) {
        notTls = t;
      } else if (handshake == null && t instanceof SSLException) {
        handshake = t;
      }
    }
    if (certificate != null) {
      String detail = message(certificate);
      if (detail.startsWith("No name matching") || detail.startsWith("No subject alternative")) {
        return "TLS certificate problem: the certificate of " + peer + " is not issued for that host name or address (" + detail
            + "). Dial the name the certificate was issued for, or reissue it with that name.";
      }
      return "TLS certificate problem: the certificate of " + peer + " is not trusted (" + detail
          + "). Trust the certificate authority that signed it with " + trustHint + ".";
    }
    if (notTls != null) {
      return "TLS problem: " + peer + " did not answer in TLS; it probably listens in plaintext. Dial it without TLS, "
          + "or start it with a certificate.";
    }
    if (handshake != null) {
      return "TLS handshake with " + peer + " failed (" + message(handshake) + ").";
    }
    return null;
  }

  private static String message(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    // "PKIX path building failed: sun.security...SunCertPathBuilderException: unable to find ..." -> the readable tail
    int nested = m.lastIndexOf("Exception: ");
    if (nested >= 0) {
      m = m.substring(nested + "Exception: ".length());
    }
    return m.length() > MAX_DETAIL_CHARS ? m.substring(0, MAX_DETAIL_CHARS) + "..." : m;
  }
}
