package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Heartbeat;
import io.easyremote.protocol.wire.Ping;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches node liveness. Silence is time since any frame from the node (a node busy sending
 * results is alive however late its heartbeats). A node silent for one interval is pinged (it
 * answers with a heartbeat from its transport thread); silent for {@link
 * SchedulerSettings#suspectAfterMillis()} it is SUSPECT: no new calls. Its calls that may run
 * again move on after {@link SchedulerSettings#moveCallsAfterMillis()}, the others fail with
 * NODE_LOST after {@link SchedulerSettings#failCallsAfterMillis()}, but only once the ping went
 * unanswered although the node's event loop ran and this process was not itself starved; silent
 * for the node timeout, under the same condition, the node is removed as if its stream had closed
 * (an event loop that ran no turn for {@value #STUCK_LOOP_LIMITS} node timeouts vouches for nothing
 * any more: its nodes go). A frame from a suspect node makes it healthy again.
 *
 * <p>In a storm (thousands of nodes silent together, or one event loop behind them all) each check
 * logs its first {@value #LOGGED_EACH} nodes of each kind by name and the rest in one line, so
 * that the log does not add to the load.
 */
final class HealthMonitor {
  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
  private static final GatewayFrame PING = GatewayFrame.newBuilder().setPing(Ping.getDefaultInstance()).build();
  /** Nodes of each kind (suspected, calls moved, calls failed, heard again) a check names in a line of their own. */
  static final int LOGGED_EACH = 5;
  /** Node timeouts of silence after which a node goes even if its event loop never answered the probe. */
  static final int STUCK_LOOP_LIMITS = 3;

  private final ReentrantLock lock;
  private final SchedulerSettings settings;
  private final RoutingTable table;
  private final Dispatcher dispatcher;
  private final NodeLoss loss;
  private final Clock clock;
  private final BiConsumer<NodeSession, String> gone;
  /** How often {@link #check()} runs: a quarter heartbeat interval, at least 10 ms. */
  final long checkEveryMillis;
  /** The line of one node turned suspect, after its quoted id. */
  private final String suspectedLine;
  /** Suspect nodes heard again since the last check: the first {@link #LOGGED_EACH} by name, logged by the check. */
  private final Queue<String> heardAgain = new ConcurrentLinkedQueue<>();
  private final AtomicInteger heardAgainCount = new AtomicInteger();
  /** Timer thread only: when the last check ran, to notice when this process itself was starved. */
  private long lastCheckMillis;
  /** Timer thread only: when a check last found this process starved. */
  private long starvedAtMillis = Long.MIN_VALUE / 2;

  HealthMonitor(ReentrantLock lock, SchedulerSettings settings, RoutingTable table, Dispatcher dispatcher, NodeLoss loss,
      Clock clock, BiConsumer<NodeSession, String> gone) {
    this.lock = lock;
    this.settings = settings;
    this.table = table;
    this.dispatcher = dispatcher;
    this.loss = loss;
    this.clock = clock;
    this.gone = gone;
    this.checkEveryMillis = Math.max(10, settings.heartbeatInterval().toMillis() / 4);
    this.suspectedLine = "was silent for {} ms and did not answer a ping: no new calls until it is heard again (given up after "
        + settings.silenceLimitMillis() + " ms)";
  }

  /** A heartbeat arrived: fresh resources (when they are sane), and a suspect node is trusted again. */
  void onHeartbeat(NodeSession node, Heartbeat heartbeat) {
    if (heartbeat.hasResources() && HelloChecks.resourcesProblem(heartbeat.getResources()) == null) {
      node.heartbeat(Wire.fromWire(heartbeat.getResources()));
    } else {
      node.heard();
    }
    if (!node.removed() && node.liveness().clearSuspect()) {
      if (heardAgainCount.getAndIncrement() < LOGGED_EACH) {
        heardAgain.add(node.nodeId);
      }
      dispatcher.refill(node);
    }
  }

  /** One round of checks over every node; runs every {@link #checkEveryMillis} on the timer. */
  void check() {
    long now = clock.millis();
    // A check that runs late means this process was starved (GC, CPU): silence may be ours, so
    // no calls and no nodes are given up in this round.
    // Calls are given up only half an interval after the process is running normally again: the
    // frames that arrived meanwhile must be read first.
    long interval = settings.heartbeatInterval().toMillis();
    if (lastCheckMillis != 0 && now - lastCheckMillis > 3 * checkEveryMillis) {
      starvedAtMillis = now;
    }
    lastCheckMillis = now;
    boolean gatewayStarved = now - starvedAtMillis < interval / 2;
    long limit = settings.silenceLimitMillis();
    List<NodeSession> silent = new ArrayList<>();
    List<NodeSession> toPing = new ArrayList<>();
    List<NodeLoss.Failure> failures = new ArrayList<>();
    StormLog suspected = new StormLog(suspectedLine, "were silent and did not answer a ping: no new calls until they are heard again");
    StormLog moved = new StormLog("still silent after {} ms: {} of its calls moved to other nodes", "still silent: their calls that may run again moved to other nodes");
    StormLog failed = new StormLog("still silent after {} ms: {} of its calls failed with NODE_LOST", "still silent: their other calls failed with NODE_LOST");
    lock.lock();
    try {
      for (NodeSession node : table.nodes()) {
        NodeLiveness live = node.liveness();
        long heard = live.lastHeardMillis();
        long silence = now - heard;
        if (silence > interval && live.pingIfUnpinged(heard, now)) {
          live.probeLoop();
          toPing.add(node);
        }
        // The ping went unanswered although the node's event loop has read since: the silence is the node's.
        long pinged = live.pingedAtMillis();
        boolean unanswered = !gatewayStarved && pinged >= heard && now - pinged >= interval / 2 && live.loopRanSince(pinged);
        if (silence > limit) {
          if (unanswered || !gatewayStarved && silence > STUCK_LOOP_LIMITS * limit) {
            silent.add(node);
          }
          continue;
        }
        if (silence > settings.suspectAfterMillis() && live.markSuspect()) {
          suspected.add(node.nodeId, silence, 0);
        }
        unanswered &= live.suspect();
        if (unanswered && silence > settings.moveCallsAfterMillis() && live.markCallsMoved()) {
          moved.add(node.nodeId, silence, loss.giveUp(node, false, settings.failCallsAfterMillis(), failures));
        }
        if (unanswered && silence > settings.failCallsAfterMillis() && live.markCallsFailedOver()) {
          failed.add(node.nodeId, silence, loss.giveUp(node, true, settings.failCallsAfterMillis(), failures));
        }
      }
    } finally {
      lock.unlock();
    }
    suspected.flush();
    moved.flush();
    failed.flush();
    logHeardAgain();
    for (NodeSession node : toPing) {
      dispatcher.enqueue(node, PING);
    }
    dispatcher.flush();
    for (NodeLoss.Failure failure : failures) {
      failure.call().fail(failure.error());
    }
    for (NodeSession node : silent) {
      long silence = clock.millis() - node.liveness().lastHeardMillis();
      if (silence > limit) { // not heard from since the check above
        gone.accept(node, "no frame for " + silence + " ms");
      }
    }
  }

  /** Logs the suspect nodes heard again since the last check: by name, then the rest in one line. */
  private void logHeardAgain() {
    int count = heardAgainCount.getAndSet(0);
    int named = 0;
    for (String nodeId; named < Math.min(count, LOGGED_EACH) && (nodeId = heardAgain.poll()) != null; named++) {
      log.info("Node '{}' is heartbeating again", nodeId);
    }
    if (count > named) {
      log.info("{} more nodes are heartbeating again", count - named);
    }
  }

  /** The lines of one kind a check logs: the first {@link #LOGGED_EACH} nodes by name, then one line for the rest. */
  private static final class StormLog {
    private final String each;
    private final String rest;
    private final List<Object[]> named = new ArrayList<>();
    private int more;
    private long calls;

    /** @param each the line for one node, after its quoted id, with the silence and the calls as {@code {}}; @param rest the summary's end */
    StormLog(String each, String rest) {
      this.each = each;
      this.rest = rest;
    }

    void add(String nodeId, long silence, int callCount) {
      if (named.size() < LOGGED_EACH) {
        named.add(new Object[] {nodeId, silence, callCount});
      } else {
        more++;
        calls += callCount;
      }
    }

    /** Logs what the check collected. */
    void flush() {
      for (Object[] line : named) {
        log.warn("Node '{}' " + each, line);
      }
      if (more > 0 && calls > 0) {
        log.warn("{} more nodes {} ({} calls)", more, rest, calls);
      } else if (more > 0) {
        log.warn("{} more nodes {}", more, rest);
      }
    }
  }
}
