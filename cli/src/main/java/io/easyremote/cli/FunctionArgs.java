package io.easyremote.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Parameters;

/** The positional {@code FUNCTION JSON-ARG...} of every command that calls a function by name. */
final class FunctionArgs {
  @Parameters(index = "0", paramLabel = "FUNCTION", description = "The function name.")
  String function;

  @Parameters(index = "1..*", paramLabel = "JSON-ARG", description = "Arguments as JSON (1, \"text\", [1,2], {\"x\":1}); non-JSON is a string.")
  List<String> args = new ArrayList<>();

  /** The arguments parsed as JSON values. */
  Object[] values() {
    return JsonArgs.parse(args);
  }
}
