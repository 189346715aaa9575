package io.easyremote.protocol;

/**
 * The remote function itself threw ({@link ErrorCode#FUNCTION_FAILED}). The remote exception's
 * type, message and stack trace are kept as text: nothing is deserialized from the network.
 */
public final class RemoteFunctionException extends RemoteException {
  private static final long serialVersionUID = 1L;

  private final String remoteType;
  private final String remoteStack;

  /** Creates the exception; {@code remoteStack} may be empty. */
  public RemoteFunctionException(String message, String remoteType, String remoteStack, String nodeId) {
    super(ErrorCode.FUNCTION_FAILED, message, true, 0, nodeId, null);
    this.remoteType = remoteType;
    this.remoteStack = remoteStack == null ? "" : remoteStack;
  }

  /** The fully qualified class name of the exception the function threw, e.g. {@code java.lang.IllegalStateException}. */
  public String remoteType() {
    return remoteType;
  }

  /** The remote stack trace as printed on the node. */
  public String remoteStack() {
    return remoteStack;
  }
}
