package io.easyremote.node.internal.probe;

import io.easyremote.protocol.NodeResources;

/** Reads this machine's resources for heartbeats. Called from the heartbeat thread only. */
public interface ResourceProbe {
  /** The current figures; cheap enough to call once per heartbeat. */
  NodeResources sample();
}
