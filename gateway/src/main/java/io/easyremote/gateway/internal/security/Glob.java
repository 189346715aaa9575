package io.easyremote.gateway.internal.security;

import java.util.List;
import java.util.regex.Pattern;

/** A name pattern from configuration: {@code *} matches any run of characters, {@code ?} one; anything else is literal. */
public final class Glob {
  private final String text;
  private final Pattern pattern;

  private Glob(String text) {
    this.text = text;
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
    return pattern.matcher(name).matches();
  }

  @Override
  public String toString() {
    return text;
  }
}
