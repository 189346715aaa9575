package io.easyremote.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A gateway's directory in its own process, so a test can {@code kill -9} it: args are the gateway
 * id, the password (the user is the gateway id), the number of nodes to publish, then NATS URLs.
 * Prints {@code ready} once connected and published, then runs until killed or stdin closes.
 */
public final class DirectoryProcess {
  private DirectoryProcess() {
  }

  /** Runs it. */
  public static void main(String[] args) throws IOException {
    String id = args[0];
    int nodes = Integer.parseInt(args[2]);
    String[] urls = java.util.Arrays.copyOfRange(args, 3, args.length);
    NatsDirectory directory = NatsDirectory.builder().servers(urls).gatewayId(id).userPassword(id, args[1].toCharArray()).build().start();
    List<LocalNode> list = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      list.add(LocalNode.of(id + "-node-" + i, Set.of("work"), 4, 0));
    }
    directory.publish(list);
    System.out.println("ready");
    System.out.flush();
    while (System.in.read() >= 0) {
      // wait for the test to kill this process (or to close stdin)
    }
    directory.close();
  }
}
