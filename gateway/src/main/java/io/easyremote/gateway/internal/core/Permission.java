package io.easyremote.gateway.internal.core;

/**
 * Everything a caller may do that is not calling a function, with who may do it (the table in
 * {@code docs/security.md}). On a gateway without client keys everyone may do everything.
 */
public enum Permission {
  /** List every node and function, see a node's details, read the whole OpenAPI document: scope {@code read}, or public status. */
  LIST,
  /** See the dashboard, recent calls and metrics: scope {@code admin}, or public status. */
  MONITOR,
  /** Drain nodes, release names held for disconnected owners: scope {@code admin} only. */
  ADMINISTER
}
