package io.easyremote.store.internal;

import io.easyremote.store.LedgerError;
import io.easyremote.store.LedgerException;

/**
 * What a ledger operation returns from inside a group commit: a value, or a refusal. A refusal is a
 * value rather than an exception so that it does not roll back the other writes of its batch;
 * every operation checks everything before it writes anything, so a refused one wrote nothing.
 */
public record Outcome<T>(T value, LedgerError error, String message) {

  public static <T> Outcome<T> ok(T value) {
    return new Outcome<>(value, null, null);
  }

  public static <T> Outcome<T> refused(LedgerError error, String message) {
    return new Outcome<>(null, error, message);
  }

  /** The value, or the refusal as a {@link LedgerException}. */
  public T orThrow() {
    if (error != null) {
      throw new LedgerException(error, message);
    }
    return value;
  }

  /** The same refusal typed for another operation. */
  @SuppressWarnings("unchecked")
  public <U> Outcome<U> cast() {
    if (error == null) {
      throw new IllegalStateException("not a refusal");
    }
    return (Outcome<U>) this;
  }
}
