package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Whether a node is heard from: when any frame and the last heartbeat arrived (written by its
 * transport thread), and the state of a spell of silence: pinged, SUSPECT, calls moved, calls
 * failed. The spell's state is guarded by the routing lock; every method takes it.
 */
final class NodeLiveness {
  private final Clock clock;
  private final ReentrantLock routing;

  private volatile long lastHeartbeatMillis;
  /** When any frame last arrived from the node: what health checks go by. */
  private volatile long lastHeardMillis;
  /** The event loop that reads this node's frames, when known: probed to tell a slow gateway from a silent node. */
  private volatile ScheduledExecutorService loop;
  /** When the node's event loop last ran a probe: frames that had arrived by then were read. */
  private volatile long loopAnsweredMillis;

  @GuardedBy("routing")
  private boolean suspect;
  /** Whether, in this spell of silence, the calls it was running that may run again were moved on. */
  @GuardedBy("routing")
  private boolean callsMoved;
  /** Whether, in this spell of silence, the rest of its calls were failed. */
  @GuardedBy("routing")
  private boolean callsFailedOver;
  /** When the gateway last pinged the silent node (0 = never). */
  @GuardedBy("routing")
  private long pingedAtMillis;

  NodeLiveness(ReentrantLock routing, Clock clock) {
    this.routing = routing;
    this.clock = clock;
    this.lastHeartbeatMillis = clock.millis();
    this.lastHeardMillis = lastHeartbeatMillis;
  }

  /** A frame arrived from the node: it is alive, whatever its heartbeats say. */
  void heard() {
    long now = clock.millis();
    if (now != lastHeardMillis) { // a volatile read is cheaper than a write on every frame
      lastHeardMillis = now;
    }
  }

  /** A heartbeat arrived. */
  void heartbeat() {
    lastHeartbeatMillis = clock.millis();
    lastHeardMillis = lastHeartbeatMillis;
  }

  long lastHeartbeatMillis() {
    return lastHeartbeatMillis;
  }

  long lastHeardMillis() {
    return lastHeardMillis;
  }

  /** The event loop that reads this node's stream. */
  void readBy(ScheduledExecutorService eventLoop) {
    this.loop = eventLoop;
  }

  /**
   * Asks the node's event loop to note when it has read again: if it has while the node stays
   * silent, the silence is the node's, not a gateway too busy to read its frames. The probe is
   * scheduled, not executed: an event loop runs the tasks it is given during a turn in that same
   * turn, before it reads again, so a plain task ran as soon as a long turn ended (a caller's
   * burst held one for 4 s) and vouched for frames still unread in the node's socket. A task
   * that the loop itself schedules waits for the loop's next turn, after that turn's reads (one
   * scheduled from another thread with no delay would be a plain task again).
   */
  void probeLoop() {
    ScheduledExecutorService l = loop;
    if (l == null) {
      loopAnsweredMillis = clock.millis();
      return;
    }
    try {
      l.execute(() -> l.schedule(() -> {
        loopAnsweredMillis = clock.millis();
      }, 0, TimeUnit.NANOSECONDS));
    } catch (RuntimeException e) {
      loopAnsweredMillis = clock.millis(); // the loop is gone: nothing more will be read
    }
  }

  /** Whether the event loop reading this node ran after {@code sinceMillis}. */
  boolean loopRanSince(long sinceMillis) {
    return loopAnsweredMillis >= sinceMillis;
  }

  boolean suspect() {
    routing.lock();
    try {
      return suspect;
    } finally {
      routing.unlock();
    }
  }

  /** Marks it suspect; false when it already was. */
  boolean markSuspect() {
    routing.lock();
    try {
      boolean was = suspect;
      suspect = true;
      return !was;
    } finally {
      routing.unlock();
    }
  }

  /** Heard again after a silence: trusted again, with a fresh spell; false when it was not suspect. */
  boolean clearSuspect() {
    routing.lock();
    try {
      if (!suspect) {
        return false;
      }
      suspect = false;
      callsMoved = false;
      callsFailedOver = false;
      return true;
    } finally {
      routing.unlock();
    }
  }

  /** Notes that, in this spell of silence, its movable calls left; false if that was already done. */
  boolean markCallsMoved() {
    routing.lock();
    try {
      boolean first = !callsMoved;
      callsMoved = true;
      return first;
    } finally {
      routing.unlock();
    }
  }

  /** Notes that, in this spell of silence, its other calls failed; false if that was already done. */
  boolean markCallsFailedOver() {
    routing.lock();
    try {
      boolean first = !callsFailedOver;
      callsFailedOver = true;
      return first;
    } finally {
      routing.unlock();
    }
  }

  /** When it was last pinged (0 = never). */
  long pingedAtMillis() {
    routing.lock();
    try {
      return pingedAtMillis;
    } finally {
      routing.unlock();
    }
  }

  /** Pings it unless it was already pinged since it was last heard; true when a ping is due. */
  boolean pingIfUnpinged(long heardMillis, long nowMillis) {
    routing.lock();
    try {
      if (pingedAtMillis >= heardMillis) {
        return false;
      }
      pingedAtMillis = nowMillis;
      return true;
    } finally {
      routing.unlock();
    }
  }
}
