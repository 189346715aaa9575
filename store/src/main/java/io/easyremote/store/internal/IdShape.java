package io.easyremote.store.internal;

import java.util.function.IntPredicate;

/**
 * What an id may look like: ASCII characters of a set, within a length range. The ledger checks
 * several ids for every paid call, on the gateway's event loops; a table lookup per character does
 * what a regular expression's character class did, at a fraction of the cost. Immutable.
 */
public final class IdShape {
  private final boolean[] allowed = new boolean[128];
  private final int minLength;
  private final int maxLength;

  /** Ids of {@code minLength..maxLength} ASCII characters, each one {@code allowed} accepts. */
  public IdShape(IntPredicate allowed, int minLength, int maxLength) {
    for (int ch = 0; ch < 128; ch++) {
      this.allowed[ch] = allowed.test(ch);
    }
    this.minLength = minLength;
    this.maxLength = maxLength;
  }

  /** Letters, digits and the given punctuation. */
  public static IntPredicate lettersDigitsAnd(String punctuation) {
    return ch -> (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || punctuation.indexOf(ch) >= 0;
  }

  /** Whether {@code id} (not null) has this shape. */
  public boolean matches(String id) {
    int n = id.length();
    if (n < minLength || n > maxLength) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char ch = id.charAt(i);
      if (ch >= 128 || !allowed[ch]) {
        return false;
      }
    }
    return true;
  }
}
