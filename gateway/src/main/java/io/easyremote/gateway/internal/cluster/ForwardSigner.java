package io.easyremote.gateway.internal.cluster;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Signs and checks forwarded calls with the cluster secret (HMAC-SHA256); without a secret it signs nothing and accepts everything. */
final class ForwardSigner {
  private static final String ALGORITHM = "HmacSHA256";
  private final SecretKeySpec key;

  /** @param secret the cluster secret, or null for none */
  ForwardSigner(byte[] secret) {
    this.key = secret == null ? null : new SecretKeySpec(secret, ALGORITHM);
  }

  boolean signs() {
    return key != null;
  }

  /** The signature of {@code body}; empty without a secret. */
  byte[] sign(byte[] body) {
    if (key == null) {
      return new byte[0];
    }
    return mac().doFinal(body);
  }

  /** Whether {@code mac} is the signature of {@code body} (constant time); always true without a secret. */
  boolean verify(byte[] body, byte[] mac) {
    if (key == null) {
      return true;
    }
    return MessageDigest.isEqual(sign(body), mac);
  }

  private Mac mac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }
}
