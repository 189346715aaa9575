package io.easyremote.gateway.internal.core;

import java.util.concurrent.atomic.AtomicReference;

/**
 * How a call forwarded to another gateway is cancelled there. The forward is sent after the
 * routing lock is released, so the caller's cancel may come before the handle exists: then the
 * handle runs as soon as it is set. Safe from any thread.
 */
final class ForwardCancel {
  private static final Runnable REQUESTED = () -> { };
  private final AtomicReference<Runnable> handle = new AtomicReference<>();

  /** The forward was sent; {@code cancel} cancels it there. Runs it at once when the caller already cancelled. */
  void sent(Runnable cancel) {
    if (!handle.compareAndSet(null, cancel)) {
      cancel.run();
    }
  }

  /** The caller cancelled: what cancels it there, or null (not sent yet: {@link #sent} will run it). */
  Runnable cancel() {
    Runnable cancel = handle.getAndSet(REQUESTED);
    return cancel == REQUESTED ? null : cancel;
  }

  /** What cancels the sent forward, or null while none was sent (or the caller cancelled). */
  Runnable current() {
    Runnable cancel = handle.get();
    return cancel == REQUESTED ? null : cancel;
  }

  /**
   * A forward came back unanswered and the call is routed again: the old handle is dropped (false
   * when the caller cancelled meanwhile: then the call stays done).
   */
  boolean clear() {
    Runnable cancel = handle.get();
    return cancel != REQUESTED && handle.compareAndSet(cancel, null);
  }
}
