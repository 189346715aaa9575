package io.easyremote.client.internal.transport;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.TlsProblems;
import io.grpc.Status;
import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;

/**
 * Turns a failed gRPC call into the {@link RemoteException} a caller sees, following the status
 * table in {@code docs/wire-protocol.md}. Application errors never get here: they arrive inside
 * {@code CallReply.error} with status OK.
 */
public final class StatusErrors {
  /** What grpc-java says when the peer hangs up during the HTTP/2 preface, as a TLS server does to plaintext. */
  private static final String CLOSED_UNKNOWN = "Network closed for unknown reason";

  private StatusErrors() {}

  /**
   * The exception for a call that ended with {@code failure}.
   *
   * @param gateway the channel the call used (its address names the gateway in messages)
   * @param what what was being done, for messages: {@code 'add'} or {@code ListNodes}
   * @param deadline the deadline the call ran under
   */
  public static RemoteException toException(GatewayChannel gateway, String what, Duration deadline, Throwable failure) {
    if (failure instanceof RemoteException e) {
      return e;
    }
    Status status = Status.fromThrowable(failure);
    String address = gateway.address();
    if (gateway.isClosed()) {
      return new RemoteException(ErrorCode.CANCELLED,
          "The client for gateway " + address + " was closed while " + what + " was in flight.", true, 0, null, failure);
    }
    String detail = detail(status);
    switch (status.getCode()) {
      case DEADLINE_EXCEEDED:
        return new RemoteException(ErrorCode.DEADLINE_EXCEEDED,
            what + " did not finish within its deadline of " + millis(deadline) + " (gateway " + address
                + "). Retry only with a longer deadline.", true, 0, null, failure);
      case UNAVAILABLE:
        String tls = TlsProblems.describe(status.getCause(), "gateway " + address, "Client.builder().tls(caPem) (CLI: --tls-ca FILE)");
        if (tls != null) {
          // The handshake comes before any request byte: nothing was sent.
          return new RemoteException(ErrorCode.UNAVAILABLE, "Gateway " + address + " is unavailable: " + tls, false, 0, null, failure);
        }
        if (!gateway.tls() && CLOSED_UNKNOWN.equals(status.getDescription())) {
          detail += " (if the gateway uses TLS, dial it with Client.builder().tls(caPem); CLI: --tls-ca FILE)";
        }
        boolean neverSent = connectFailure(status.getCause());
        return new RemoteException(ErrorCode.UNAVAILABLE,
            "Gateway " + address + " is unavailable" + detail + ". Check that it is running and reachable at that address"
                + (neverSent ? "; " + what + " was not sent, so retrying is safe." : "."),
            !neverSent, 0, null, failure);
      case CANCELLED:
        return new RemoteException(ErrorCode.CANCELLED, what + " was cancelled" + detail + ".", true, 0, null, failure);
      case RESOURCE_EXHAUSTED:
        return new RemoteException(ErrorCode.PAYLOAD_TOO_LARGE,
            what + " exceeded a message size limit" + detail + ".", true, 0, null, failure);
      case UNAUTHENTICATED:
        return new RemoteException(ErrorCode.UNAUTHENTICATED,
            "Gateway " + address + " did not accept the credentials for " + what + detail
                + ". Check the client's apiKey.", false, 0, null, failure);
      case PERMISSION_DENIED:
        return new RemoteException(ErrorCode.PERMISSION_DENIED,
            "Gateway " + address + " does not allow " + what + detail + ".", false, 0, null, failure);
      default:
        return new RemoteException(ErrorCode.INTERNAL,
            "Gateway " + address + " answered " + what + " with gRPC status " + status.getCode() + detail + ".",
            status.getCode() != Status.Code.UNIMPLEMENTED, 0, null, failure);
    }
  }

  /** True when the connection could not be made at all, so nothing was sent. */
  private static boolean connectFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnresolvedAddressException
          || t instanceof java.net.UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /** ": description" without a trailing period, or empty; messages add their own punctuation. */
  private static String detail(Status status) {
    String description = status.getDescription() == null ? "" : status.getDescription().strip();
    while (description.endsWith(".")) {
      description = description.substring(0, description.length() - 1).strip();
    }
    return description.isEmpty() ? "" : ": " + description;
  }

  private static String millis(Duration d) {
    return d.toMillis() + " ms";
  }
}
