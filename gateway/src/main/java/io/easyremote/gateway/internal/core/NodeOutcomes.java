package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds each finished call's latency and outcome to its node's statistics, and ejects a node
 * after consecutive failures: no new calls for a back-off that doubles on each repeat, after
 * which the node is re-admitted and its slots refilled.
 */
final class NodeOutcomes {
  private static final Logger log = LoggerFactory.getLogger(NodeOutcomes.class);

  private final int ejectAfterFailures;
  private final long ejectBackoffNanos;
  private final Clock clock;
  private final Consumer<NodeSession> refill;

  NodeOutcomes(SchedulerSettings settings, Clock clock, Consumer<NodeSession> refill) {
    this.ejectAfterFailures = settings.ejectAfterFailures();
    this.ejectBackoffNanos = settings.ejectBackoff().toNanos();
    this.clock = clock;
    this.refill = refill;
  }

  /**
   * Records how the call ended on the node. A caller's mistake or cancel is not the node's
   * failure; a function that threw, an internal error, or {@code nodeFault} is.
   */
  void record(NodeSession node, PendingCall call, Error error, boolean nodeFault) {
    long now = clock.nanoTime();
    ErrorCode code = error == null ? null : Wire.fromWire(error.getCode());
    boolean failed = nodeFault || code == ErrorCode.FUNCTION_FAILED || code == ErrorCode.INTERNAL;
    if (node.stats().record((now - call.dispatchedNanos()) / 1e6, failed, now, ejectAfterFailures, ejectBackoffNanos)) {
      long backoff = node.stats().ejectedUntilNanos() - now;
      log.warn("Node '{}' ejected for {} ms after {} consecutive failures", node.nodeId, backoff / 1_000_000, ejectAfterFailures);
      clock.schedule(() -> readmit(node), backoff);
    }
  }

  private void readmit(NodeSession node) {
    if (!node.removed() && !node.stats().isEjected(clock.nanoTime())) {
      log.info("Node '{}' re-admitted after its ejection", node.nodeId);
      refill.accept(node);
    }
  }
}
