package io.easyremote.protocol;

/** The EasyRemote version every role reports on the wire (Hello, Welcome, OpenAPI) and prints. */
public final class Version {
  /** The current version. */
  public static final String CURRENT = "0.1.0";

  private Version() {}
}
