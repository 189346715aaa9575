package io.easyremote.examples;

import io.easyremote.client.Client;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Handling failures: every one is a RemoteException whose code() says what happened and whether to retry. */
public final class ErrorHandlingExample {
  private ErrorHandlingExample() {}

  /** Runs the example and prints one line per failure. */
  public static void main(String[] args) {
    run().forEach(System.out::println);
  }

  /** Makes three failing calls and describes each failure. */
  public static List<String> run() {
    List<String> seen = new ArrayList<>();
    // registrationGrace(ZERO): answer FUNCTION_NOT_FOUND at once instead of waiting for nodes to reconnect.
    try (Gateway gateway = Gateway.builder().port(0).registrationGrace(Duration.ZERO).build().start();
         ComputeNode node = ComputeNode.builder().gateway(gateway.address()).register(new MathFunctions()).build().start();
         Client client = Client.connect(gateway.address())) {
      for (Runnable call : List.<Runnable>of(
          () -> client.call("divide", Integer.class, 1, 0),
          () -> client.call("add", Integer.class, 1, "two"),
          () -> client.call("multiply", Integer.class, 2, 3))) {
        try {
          call.run();
        } catch (RemoteFunctionException e) {
          seen.add(e.code() + " " + e.remoteType() + ": " + e.getMessage());   // the function threw
        } catch (RemoteException e) {
          switch (e.code()) {
            case INVALID_ARGUMENTS, FUNCTION_NOT_FOUND -> seen.add(e.code() + ": " + e.getMessage()); // fix the call
            case OVERLOADED, UNAVAILABLE -> seen.add("retry later: " + e.getMessage());
            default -> seen.add("unexpected " + e);
          }
        }
      }
    }
    return seen;
  }
}
