package io.easyremote.cli;

import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code easyremote} command. */
@Command(name = "easyremote", mixinStandardHelpOptions = true, version = "EasyRemote " + Version.CURRENT,
    description = "A private Function-as-a-Service network: run a gateway, serve functions from a node, call them.",
    subcommands = {DemoCommand.class, GatewayCommand.class, NodeCommand.class, CallCommand.class, StreamCommand.class,
        NodesCommand.class, FunctionsCommand.class, DrainCommand.class, KeygenCommand.class})
public final class Main implements Runnable {
  /** Exit code for a remote error (the call failed). */
  static final int REMOTE_ERROR = 1;

  public static void main(String[] args) {
    if (args.length > 0 && (args[0].equals("demo") || args[0].equals("call") || args[0].equals("stream")
        || args[0].equals("nodes") || args[0].equals("functions") || args[0].equals("keygen") || args[0].equals("drain"))) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(commandLine().execute(args));
  }

  /** The configured picocli command line (also used by tests). */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof RemoteException r) {
        commandLine.getErr().println(r.code() + ": " + r.getMessage());
        return REMOTE_ERROR;
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        commandLine.getErr().println("error: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
