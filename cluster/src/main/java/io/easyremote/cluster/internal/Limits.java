package io.easyremote.cluster.internal;

import java.util.regex.Pattern;

/** The rules a directory message must keep, on both sides: names, sizes, counts. */
public final class Limits {
  /** A gateway id: one NATS subject token, so no dots, wildcards or spaces. */
  public static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** The longest node id, function name, label key or value. */
  public static final int MAX_NAME_CHARS = 256;
  /** The most parts one snapshot may announce. */
  public static final int MAX_SNAPSHOT_PARTS = 100_000;
  /** The largest function spec a gateway may share (bytes). */
  public static final int MAX_SPEC_BYTES = 64 << 10;

  private Limits() {
  }

  /** Whether {@code id} may be a gateway id. */
  public static boolean validGatewayId(String id) {
    return id != null && GATEWAY_ID.matcher(id).matches();
  }

  /** Whether {@code name} may be a node id, a function name or a label: 1 to 256 characters, no control characters. */
  public static boolean validName(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_NAME_CHARS) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Labels may be empty strings as values; keys follow {@link #validName}. */
  static boolean validLabelValue(String value) {
    return value.length() <= MAX_NAME_CHARS && value.chars().noneMatch(Character::isISOControl);
  }
}
