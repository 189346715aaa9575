package io.easyremote.protocol.internal;

import java.util.regex.Pattern;

/** The syntax of function names and node ids, checked at both ends. */
public final class Names {
  /** Longest function name or node id accepted. */
  public static final int MAX_LENGTH = 128;

  private static final Pattern FUNCTION = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-]*");
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-:@]*");

  private Names() {}

  /** Null when {@code name} is a valid function name, else the reason it is not. */
  public static String functionNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "function name is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "function name is longer than " + MAX_LENGTH + " characters";
    }
    if (!FUNCTION.matcher(name).matches()) {
      return "function name '" + name + "' must start with a letter or '_' and contain only letters, digits, '_', '.' and '-'";
    }
    return null;
  }

  /** Null when {@code id} is a valid node id, else the reason it is not. */
  public static String nodeIdProblem(String id) {
    if (id == null || id.isEmpty()) {
      return "node id is empty";
    }
    if (id.length() > MAX_LENGTH) {
      return "node id is longer than " + MAX_LENGTH + " characters";
    }
    if (!NODE_ID.matcher(id).matches()) {
      return "node id '" + id + "' may contain only letters, digits and '_', '.', '-', ':', '@'";
    }
    return null;
  }
}
