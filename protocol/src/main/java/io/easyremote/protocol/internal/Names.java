package io.easyremote.protocol.internal;

/**
 * The syntax of function names and node ids, checked at both ends. The gateway checks a function
 * name on every call, so the checks look at characters rather than run regular expressions.
 */
public final class Names {
  /** Longest function name or node id accepted. */
  public static final int MAX_LENGTH = 128;

  private Names() {}

  /** Null when {@code name} is a valid function name, else the reason it is not. */
  public static String functionNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "function name is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "function name is longer than " + MAX_LENGTH + " characters";
    }
    if (!startsWithLetterOrUnderscore(name) || !allOf(name, ".-")) {
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
    if (!isLetterDigitOr(id.charAt(0), "") || !allOf(id, ".-:@")) {
      return "node id '" + id + "' may contain only letters, digits and '_', '.', '-', ':', '@'";
    }
    return null;
  }

  private static boolean startsWithLetterOrUnderscore(String s) {
    char c = s.charAt(0);
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  }

  /** Whether every character is an ASCII letter or digit, '_', or one of {@code punctuation}. */
  private static boolean allOf(String s, String punctuation) {
    for (int i = 0; i < s.length(); i++) {
      if (!isLetterDigitOr(s.charAt(i), punctuation)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLetterDigitOr(char c, String punctuation) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || punctuation.indexOf(c) >= 0;
  }
}
