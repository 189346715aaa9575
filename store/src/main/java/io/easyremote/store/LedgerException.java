package io.easyremote.store;

/**
 * The {@link Ledger} refused an operation for the reason in {@link #error()}; nothing of it was
 * written. Futures of the ledger complete exceptionally with it (wrapped in a
 * {@link java.util.concurrent.CompletionException} by {@code join}).
 */
public final class LedgerException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final LedgerError error;

  /** A refusal with its reason and a message naming the transfer or account. */
  public LedgerException(LedgerError error, String message) {
    super(error + ": " + message);
    this.error = error;
  }

  /** Why it was refused. */
  public LedgerError error() {
    return error;
  }
}
