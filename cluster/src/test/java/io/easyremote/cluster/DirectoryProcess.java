package io.easyremote.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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

  /**
   * Starts one in a child JVM on this test's class path and returns it once it printed
   * {@code ready}: directory {@code id} (its password {@code password}) publishing {@code nodes}
   * nodes through {@code urls}.
   *
   * @throws IOException when it ends before it is ready
   */
  public static Process start(String id, String password, int nodes, String... urls) throws IOException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
        System.getProperty("java.class.path"), DirectoryProcess.class.getName(), id, password, Integer.toString(nodes)));
    command.addAll(List.of(urls));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.equals("ready")) {
      // its log
    }
    if (line == null) {
      child.destroyForcibly();
      throw new IOException("directory process " + id + " ended before it was ready (status " + child.exitValue() + ")");
    }
    return child;
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
