package io.easyremote.gateway.internal.credits;

import io.easyremote.protocol.wire.FunctionSpec;

/**
 * What a node asks for running a function: credits per call and per second of execution
 * ({@code docs/credits.md}). Both parts 0: the function is free, and its calls never touch the ledger.
 */
record Price(long perCall, long perSecond) {
  static final Price FREE = new Price(0, 0);

  /** The price a node declared for a function; free when it declared none. */
  static Price of(FunctionSpec spec) {
    return spec == null ? FREE : new Price(spec.getPricePerCall(), spec.getPricePerSecond());
  }

  boolean free() {
    return perCall == 0 && perSecond == 0;
  }

  /** Each part the higher of this price's and {@code other}'s: what a call covers when either node may run it. */
  Price max(Price other) {
    return new Price(Math.max(perCall, other.perCall), Math.max(perSecond, other.perSecond));
  }

  /**
   * The most a call may cost when it may run for {@code deadlineMillis}: the per-call price and
   * every second begun (a deadline of 1 ms may still run a second's worth).
   *
   * @throws ArithmeticException when that overflows
   */
  long mostFor(long deadlineMillis) {
    return Math.addExact(perCall, Math.multiplyExact(perSecond, (deadlineMillis + 999) / 1000));
  }

  @Override
  public String toString() {
    return perCall + " per call + " + perSecond + " per second";
  }
}
