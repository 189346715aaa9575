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

  /**
   * The signature of a reply: {@code reply} (a CallReply's bytes) from {@code responder} to
   * {@code requester}'s request {@code requestId}, under a tag of its own so that no signed call is
   * ever a valid reply or the reverse; empty without a secret.
   */
  byte[] signReply(String responder, String requester, long requestId, byte[] reply) {
    if (key == null) {
      return new byte[0];
    }
    Mac mac = mac();
    mac.update(replyContext(responder, requester, requestId));
    return mac.doFinal(reply);
  }

  /** Whether {@code mac} signs this reply (constant time); always true without a secret. */
  boolean verifyReply(String responder, String requester, long requestId, byte[] reply, byte[] mac) {
    if (key == null) {
      return true;
    }
    return MessageDigest.isEqual(signReply(responder, requester, requestId, reply), mac);
  }

  /** The signature of {@code body} under {@code tag} (another kind of message than calls and replies); empty without a secret. */
  byte[] signTagged(byte[] tag, byte[] body) {
    if (key == null) {
      return new byte[0];
    }
    Mac mac = mac();
    mac.update(tag);
    return mac.doFinal(body);
  }

  /** Whether {@code mac} signs {@code body} under {@code tag} (constant time); always true without a secret. */
  boolean verifyTagged(byte[] tag, byte[] body, byte[] mac) {
    return key == null || MessageDigest.isEqual(signTagged(tag, body), mac);
  }

  private static byte[] replyContext(String responder, String requester, long requestId) {
    byte[] r = responder.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] q = requester.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return java.nio.ByteBuffer.allocate(REPLY_TAG.length + 8 + r.length + q.length + 8)
        .put(REPLY_TAG).putInt(r.length).put(r).putInt(q.length).put(q).putLong(requestId).array();
  }

  private static final byte[] REPLY_TAG = "easyremote-reply".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** One initialised Mac per thread (a Mac is not thread-safe; looking one up and keying it costs more than signing a call). */
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  /** This thread's Mac, reset (doFinal leaves it ready for the next message). */
  private Mac mac() {
    Mac mac = macs.get();
    mac.reset();
    return mac;
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }
}
