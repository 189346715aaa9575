package io.easyremote.cli;

import io.easyremote.gateway.Access;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code easyremote keygen}: a new secret and the hashed entry for gateway.yaml. */
@Command(name = "keygen", description = "Generates a node token or client key: prints the secret once, and the hashed entry for gateway.yaml.")
final class KeygenCommand implements Callable<Integer> {
  @Option(names = "--name", required = true, description = "A label for logs and ownership, e.g. gpu-box.")
  String name;

  @Option(names = "--node", description = "Generate a node token (default: a client key).")
  boolean node;

  @Option(names = "--functions", split = ",", defaultValue = "*", description = "Function globs it covers (default: ${DEFAULT-VALUE}).")
  List<String> functions;

  @Option(names = "--scope", defaultValue = "call", converter = ScopeConverter.class,
      description = "For a client key: call (default: call its functions, list only those), read (also list every node and "
          + "function), or admin (also the dashboard, metrics, drain and releasing names). See docs/security.md.")
  Access.Scope scope;

  @Option(names = "--account", paramLabel = "ACCOUNT",
      description = "The credits account its calls are paid from (a key) or its nodes' earnings go to (a token); default: --name.")
  String account;

  /** Parses call, read or admin. */
  static final class ScopeConverter implements picocli.CommandLine.ITypeConverter<Access.Scope> {
    @Override
    public Access.Scope convert(String value) {
      return Access.Scope.parse(value);
    }
  }

  @Override
  public Integer call() {
    if (account != null) {
      Access.checkAccount(account, "--account");
    }
    String secret = Access.newSecret();
    String globs = functions.stream().map(f -> "\"" + f + "\"").collect(Collectors.joining(", ", "[", "]"));
    System.out.println("# Secret for " + name + " (shown once; give it to the " + (node ? "node owner" : "caller") + "):");
    System.out.println("#   " + secret);
    System.out.println("# Entry for gateway.yaml:");
    System.out.println(node ? "nodeTokens:" : "clientKeys:");
    System.out.println("  - name: " + name);
    System.out.println("    hash: " + Access.hash(secret));
    System.out.println("    functions: " + globs);
    if (node) {
      System.out.println("    nodeIds: [\"*\"]");
    } else if (scope != Access.Scope.CALL) {
      System.out.println("    scopes: [" + scope.name().toLowerCase(java.util.Locale.ROOT) + "]");
    }
    if (account != null) {
      System.out.println("    account: " + account);
    }
    return 0;
  }
}
