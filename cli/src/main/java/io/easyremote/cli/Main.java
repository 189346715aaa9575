package io.easyremote.cli;

import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.Version;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.ScopeType;

/**
 * The {@code easyremote} command: {@code demo}, {@code gateway}, {@code node}, {@code call},
 * {@code stream}, {@code map}, {@code broadcast}, {@code nodes}, {@code functions}, {@code drain}, {@code keygen}, {@code submit},
 * {@code job}.
 *
 * <p>Exit codes: {@value #OK} success, {@value #REMOTE_ERROR} the gateway or a function answered
 * with an error (printed as {@code CODE: message} on stderr), {@value #USAGE} bad usage or
 * configuration (the message says which option).
 */
@Command(name = "easyremote", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
    version = "EasyRemote " + Version.CURRENT,
    description = "A private Function-as-a-Service network: run a gateway, serve functions from a node, call them.")
public final class Main implements Runnable {
  /** Exit code for success. */
  static final int OK = 0;
  /** Exit code for a remote error (the call failed). */
  static final int REMOTE_ERROR = 1;
  /** Exit code for bad usage or configuration (picocli's own default for parameter errors). */
  static final int USAGE = 2;

  /** Commands whose own output is the point: library INFO logs would only get in the way. */
  private static final Set<String> QUIET = Set.of("demo", "call", "stream", "map", "broadcast", "nodes", "functions", "drain", "keygen",
      "submit", "job");
  /** Long-running commands, whose log lines carry the time. */
  private static final Set<String> SERVERS = Set.of("gateway", "node");

  /**
   * The subcommands, in the order the usage lists them. Added in code rather than in the
   * annotation so that a run builds the model of only the command it runs (see
   * {@link #commandLine(Function, String...)}): picocli's reflection over all of them took a
   * third of a cold {@code easyremote call}.
   */
  private static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, GatewayCommand.class, NodeCommand.class, CallCommand.class,
      StreamCommand.class, MapCommand.class, BroadcastCommand.class, NodesCommand.class, FunctionsCommand.class, DrainCommand.class,
      KeygenCommand.class, SubmitCommand.class, JobCommand.class, CreditsCommand.class, GrantCommand.class, UsageCommand.class,
      HelpCommand.class);

  private final Function<String, String> environment;

  private Main(Function<String, String> environment) {
    this.environment = environment;
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    if (args.length > 0 && QUIET.contains(args[0]) && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    if (args.length > 0 && SERVERS.contains(args[0]) && System.getProperty("org.slf4j.simpleLogger.showDateTime") == null) {
      System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
      System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss");
    }
    System.exit(commandLine(System::getenv, args).execute(args));
  }

  /** The configured picocli command line with every subcommand, reading this process's environment variables. */
  static CommandLine commandLine() {
    return commandLine(System::getenv);
  }

  /** The configured picocli command line with every subcommand, reading environment variables from {@code environment} (tests pass their own). */
  static CommandLine commandLine(Function<String, String> environment) {
    return commandLine(environment, new String[0]);
  }

  /**
   * The command line for running {@code args}: when the first argument names a subcommand (other
   * than {@code help}), only that one is added, so the others are never introspected; otherwise
   * all of them (usage, {@code help}, a mistyped name with its suggestions).
   */
  static CommandLine commandLine(Function<String, String> environment, String... args) {
    IFactory factory = factory(environment);
    CommandLine cli = new CommandLine(new Main(environment), factory);
    Class<?> only = args.length == 0 ? null : COMMANDS.stream()
        .filter(c -> c != HelpCommand.class && c.getAnnotation(Command.class).name().equals(args[0]))
        .findFirst().orElse(null);
    for (Class<?> command : only != null ? List.<Class<?>>of(only) : COMMANDS) {
      try {
        cli.addSubcommand(new CommandLine(factory.create(command), factory));
      } catch (Exception e) {
        throw new IllegalStateException("Cannot create the " + command.getSimpleName() + " command", e);
      }
    }
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof RemoteException r) {
        commandLine.getErr().println(describe(r));
        return REMOTE_ERROR;
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        commandLine.getErr().println("error: " + e.getMessage());
        return USAGE;
      }
      throw e;
    });
    return cli;
  }

  /** {@code CODE: message}, plus the remote type and node when the function itself threw. */
  static String describe(RemoteException e) {
    String line = e.code() + ": " + e.getMessage();
    if (e instanceof RemoteFunctionException f) {
      line += " (" + f.remoteType() + (f.nodeId() == null || f.nodeId().isEmpty() ? "" : " on " + f.nodeId()) + ")";
    }
    return line;
  }

  /**
   * Creates commands and option groups: those with a constructor taking the environment get it,
   * so that they read variables such as {@code EASYREMOTE_GATEWAY} through it.
   */
  private static IFactory factory(Function<String, String> environment) {
    IFactory fallback = CommandLine.defaultFactory();
    return new IFactory() {
      @Override
      public <K> K create(Class<K> type) throws Exception {
        try {
          return type.getDeclaredConstructor(Function.class).newInstance(environment);
        } catch (NoSuchMethodException e) {
          return fallback.create(type);
        }
      }
    };
  }

  /** {@code name} in {@code environment}; null when unset or blank. */
  static String env(Function<String, String> environment, String name) {
    String value = environment.apply(name);
    return value == null || value.isBlank() ? null : value;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
