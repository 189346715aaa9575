package io.easyremote.protocol.internal;

/**
 * The old home of {@link io.easyremote.protocol.Version}, kept only until the gateway core
 * (CallScheduler, being split) imports the public one; then delete it. New code uses that one.
 */
public final class Version {
  /** The current version; {@link io.easyremote.protocol.Version#CURRENT}. */
  public static final String CURRENT = io.easyremote.protocol.Version.CURRENT;

  private Version() {}
}
