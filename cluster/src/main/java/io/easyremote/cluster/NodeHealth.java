package io.easyremote.cluster;

/** A node's health as its own gateway sees it; only {@link #UP} nodes take new calls. */
public enum NodeHealth {
  /** Heartbeating and taking calls. */
  UP,
  /** Missed heartbeats: no new calls until it is heard again or given up. */
  SUSPECT,
  /** Finishing its calls before leaving: no new calls. */
  DRAINING
}
