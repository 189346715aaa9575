package io.easyremote.node.internal.exec;

import io.easyremote.protocol.wire.NodeFrame;

/** Where a call's frames go: the current gateway stream. Thread-safe. */
public interface FrameSink {
  /** Sends a frame; false when there is no open stream (the gateway will not see it). */
  boolean send(NodeFrame frame);
}
