package io.easyremote.protocol.internal;

/** The EasyRemote version every role reports on the wire. */
public final class Version {
  /** The current version. */
  public static final String CURRENT = "0.1.0";

  private Version() {}
}
