package io.easyremote.bench.child;

import io.easyremote.gateway.Access;
import java.util.List;

/** The accounts of the paid-calls scenario: one caller key, one node token, the operator. Bench-only secrets. */
public final class PaidAccess {
  /** The caller's client key. */
  public static final String CALLER_KEY = "er_bench-caller-key-0123456789abcdef";
  static final String NODE_TOKEN = "er_bench-node-token-0123456789abcdef";
  static final String CALLER = "bench-caller";
  static final String OPERATOR = "operator";

  private PaidAccess() {}

  static Access access() {
    return Access.builder()
        .nodeToken("bench-node", NODE_TOKEN, List.of("*"), List.of("*"), "bench-owner")
        .clientKey(CALLER, CALLER_KEY, List.of("*"), 0, 0)
        .build();
  }
}
