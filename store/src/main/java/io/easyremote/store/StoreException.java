package io.easyremote.store;

/** A store operation failed: the database could not be opened, migrated, read or written. */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with its cause. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
