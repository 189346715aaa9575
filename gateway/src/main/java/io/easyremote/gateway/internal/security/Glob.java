package io.easyremote.gateway.internal.security;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A name pattern from configuration: {@code *} matches any run of characters, {@code ?} one;
 * anything else is literal. A key's globs are matched on every call it makes, so {@code *} alone
 * and a pattern without wildcards are matched without a regular expression.
 */
public final class Glob {
  private final String text;
  private final Pattern pattern; // null for "*" and for a literal name

  private Glob(String text) {
    this.text = text;
    if (text.equals("*") || (text.indexOf('*') < 0 && text.indexOf('?') < 0)) {
      this.pattern = null;
      return;
    }
    StringBuilder regex = new StringBuilder();
    for (char c : text.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    this.pattern = Pattern.compile(regex.toString());
  }

  public static Glob of(String text) {
    return new Glob(text);
  }

  /** Whether any of the globs matches the name. */
  public static boolean anyMatches(List<Glob> globs, String name) {
    for (Glob glob : globs) {
      if (glob.matches(name)) {
        return true;
      }
    }
    return false;
  }

  public boolean matches(String name) {
    if (pattern == null) {
      return text.equals("*") || text.equals(name);
    }
    return pattern.matcher(name).matches();
  }

  @Override
  public String toString() {
    return text;
  }
}
