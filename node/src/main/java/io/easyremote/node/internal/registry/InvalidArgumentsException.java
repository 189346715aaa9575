package io.easyremote.node.internal.registry;

/** Arguments that do not fit a function; the message names the argument and why. */
public final class InvalidArgumentsException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidArgumentsException(String message) {
    super(message, null, false, false);
  }
}
