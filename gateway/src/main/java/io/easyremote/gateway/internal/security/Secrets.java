package io.easyremote.gateway.internal.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Secrets (node tokens, client keys) and their stored form. Secrets are 256 random bits, so a
 * plain SHA-256 is a safe stored form (no password stretching needed); comparisons are
 * constant-time. A secret itself is never stored, logged or echoed.
 */
public final class Secrets {
  /** The prefix of a stored hash. */
  public static final String HASH_PREFIX = "sha256:";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** A new random secret, URL-safe. */
  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "er_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The stored form of a secret: {@code sha256:<hex>}. */
  public static String hash(String secret) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return HASH_PREFIX + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** A value from configuration: a stored hash as is, or a plain secret hashed now. */
  public static String toHash(String hashOrSecret) {
    return hashOrSecret.startsWith(HASH_PREFIX) ? hashOrSecret.toLowerCase(java.util.Locale.ROOT) : hash(hashOrSecret);
  }

  /** Constant-time comparison of two stored hashes. */
  static boolean sameHash(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
