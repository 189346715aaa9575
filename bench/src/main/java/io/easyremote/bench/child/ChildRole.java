package io.easyremote.bench.child;

import java.util.Map;

/** One kind of helper process: a gateway, a node, a baseline server, simulated nodes. */
interface ChildRole extends AutoCloseable {
  /** Starts serving; the returned pairs go on the READY line (e.g. {@code port=41234}). */
  Map<String, String> start() throws Exception;

  /** Answers a role-specific command line; the default knows none. */
  default String command(String line) throws Exception {
    return "error unknown command " + line;
  }

  @Override
  void close() throws Exception;
}
