package io.easyremote.cli;

import io.easyremote.gateway.ClusterConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/** {@code easyremote gateway --cluster ...}: joining a cluster of gateways on NATS (docs/cluster.md). */
final class ClusterOptions {
  static final Secrets.Source PASSWORD = new Secrets.Source("--cluster-password", "--cluster-password-file", "EASYREMOTE_CLUSTER_PASSWORD");
  static final Secrets.Source TOKEN = new Secrets.Source("--cluster-token", "--cluster-token-file", "EASYREMOTE_CLUSTER_TOKEN");
  static final Secrets.Source SECRET = new Secrets.Source("--cluster-secret", "--cluster-secret-file", "EASYREMOTE_CLUSTER_SECRET");

  private final Function<String, String> environment;

  @Option(names = "--cluster", paramLabel = "NATS-URL[,NATS-URL...]", split = ",",
      description = "Join a cluster of gateways on these NATS servers (nats://host:4222 or tls://host:4222); needs --gateway-id.")
  java.util.List<String> servers;

  @Option(names = "--cluster-user", paramLabel = "USER",
      description = "NATS user; its password from --cluster-password-file or $EASYREMOTE_CLUSTER_PASSWORD.")
  String user;

  @Option(names = "--cluster-password-file", paramLabel = "FILE", description = "A file holding the NATS password of --cluster-user.")
  Path passwordFile;

  @Option(names = "--cluster-token-file", paramLabel = "FILE",
      description = "Authenticate to NATS with the token in FILE (or $EASYREMOTE_CLUSTER_TOKEN).")
  Path tokenFile;

  @Option(names = "--cluster-nkey-file", paramLabel = "FILE", description = "Authenticate to NATS with the nkey seed (SU...) in FILE.")
  Path nkeyFile;

  @Option(names = "--cluster-creds", paramLabel = "FILE", description = "Authenticate to NATS with a credentials file (JWT and seed, as nsc writes it).")
  Path credentialsFile;

  @Option(names = "--cluster-tls-ca", paramLabel = "FILE",
      description = "Connect to NATS over TLS, trusting only the certificate authority in this PEM file.")
  Path tlsCa;

  @Option(names = "--cluster-secret-file", paramLabel = "FILE",
      description = "The secret all gateways of the cluster share, which signs forwarded calls (or $EASYREMOTE_CLUSTER_SECRET); "
          + "required with client keys.")
  Path secretFile;

  @Option(names = "--cluster-forward-when-queued", paramLabel = "CALLS",
      description = "When every local node offering a function is busy and at least CALLS calls of it wait here, forward the next "
          + "one to a gateway with a free node (default: ${DEFAULT-VALUE}; -1: never; never with credits on).", defaultValue = "0")
  int forwardWhenQueued;

  ClusterOptions(Function<String, String> environment) {
    this.environment = environment;
  }

  /** The cluster to join, or null when {@code --cluster} is not given. */
  ClusterConfig config(String gatewayId, PrintWriter err) throws IOException, GeneralSecurityException {
    if (servers == null || servers.isEmpty()) {
      if (user != null || passwordFile != null || tokenFile != null || nkeyFile != null || credentialsFile != null || tlsCa != null
          || secretFile != null) {
        throw new IllegalArgumentException("the --cluster-* options need --cluster NATS-URL[,...]");
      }
      return null;
    }
    if (gatewayId == null) {
      throw new IllegalArgumentException("--cluster needs --gateway-id ID (unique in the cluster, e.g. gw-a)");
    }
    ClusterConfig.Builder b = ClusterConfig.builder().servers(servers.toArray(String[]::new)).gatewayId(gatewayId)
        .forwardWhenQueued(forwardWhenQueued);
    String password = Secrets.resolve(PASSWORD, null, passwordFile, Main.env(environment, PASSWORD.envName()), err);
    if (user != null) {
      if (password == null) {
        throw new IllegalArgumentException("--cluster-user needs its password: --cluster-password-file FILE or $EASYREMOTE_CLUSTER_PASSWORD");
      }
      b.userPassword(user, password.toCharArray());
    } else if (passwordFile != null) {
      throw new IllegalArgumentException("--cluster-password-file needs --cluster-user");
    }
    String token = Secrets.resolve(TOKEN, null, tokenFile, Main.env(environment, TOKEN.envName()), err);
    if (token != null) {
      b.token(token.toCharArray());
    }
    if (nkeyFile != null) {
      b.nkeySeed(Files.readString(nkeyFile).strip().toCharArray());
    }
    if (credentialsFile != null) {
      b.credentialsFile(credentialsFile);
    }
    if (tlsCa != null) {
      b.tls(trusting(tlsCa));
    }
    String secret = Secrets.resolve(SECRET, null, secretFile, Main.env(environment, SECRET.envName()), err);
    if (secret != null) {
      b.secret(secret.toCharArray());
    }
    return b.build();
  }

  /** A TLS context trusting only the certificates in {@code pem}. */
  private static SSLContext trusting(Path pem) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      int i = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
      if (i == 0) {
        throw new IllegalArgumentException("--cluster-tls-ca " + pem + " holds no PEM certificate");
      }
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  @Override
  public String toString() {
    return "ClusterOptions" + Arrays.asList(servers);
  }
}
