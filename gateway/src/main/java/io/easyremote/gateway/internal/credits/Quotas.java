package io.easyremote.gateway.internal.credits;

import io.easyremote.gateway.Access;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-account quota counters of one gateway (docs/credits.md, "Quotas"): calls per second, minute
 * and day, execution seconds per day, and execution seconds per day an owner's nodes serve other
 * accounts. Fixed windows aligned to the epoch (a UTC second, minute, day), read from an injected
 * clock so tests run windows in milliseconds. In memory: a restart starts every window afresh, and
 * each gateway of a cluster counts only its own calls.
 *
 * <p>Thread-safe: each account's counters are guarded by that account's own monitor (short,
 * non-blocking steps; never the routing lock).
 */
public final class Quotas {
  static final long SECOND = 1_000;
  static final long MINUTE = 60_000;
  static final long DAY = 86_400_000;

  private final Access access;
  private final LongSupplier clockMillis;
  private final Map<String, Use> uses = new ConcurrentHashMap<>();

  /** Quotas from {@code access}, with time from {@code clockMillis} (epoch milliseconds). */
  public Quotas(Access access, LongSupplier clockMillis) {
    this.access = access;
    this.clockMillis = clockMillis;
  }

  /** A refusal: which quota, its limit, and when its window frees up. */
  record Refusal(String quota, long limit, long retryAfterMillis) {}

  /**
   * Counts a call of {@code account} when every caller quota allows it; else counts nothing and
   * says which quota refused it. Null (no refusal) for accounts without quotas.
   */
  Refusal startCall(String account) {
    Access.Quota q = access.quota(account);
    if (q == null || !q.limits()) {
      return null;
    }
    return use(account).startCall(q, clockMillis.getAsLong());
  }

  /** Gives back a call counted by {@link #startCall} that was then refused before it ran (credits). */
  void refundCall(String account) {
    Access.Quota q = access.quota(account);
    if (q != null && q.limits()) {
      use(account).refundCall(clockMillis.getAsLong());
    }
  }

  /**
   * Null when {@code owner}'s nodes may serve another account's call now; else the refusal
   * ({@code servesOthersSecondsPerDay} spent for today).
   */
  Refusal serving(String owner) {
    Access.Quota q = access.quota(owner);
    if (q == null || q.servesOthersSecondsPerDay() == 0) {
      return null;
    }
    return use(owner).serving(q, clockMillis.getAsLong());
  }

  /** A call of {@code caller} ran {@code executionMillis} on a node of {@code owner} (either may be null). */
  void ran(String caller, String owner, long executionMillis) {
    long now = clockMillis.getAsLong();
    Access.Quota cq = access.quota(caller);
    if (cq != null && cq.executionSecondsPerDay() > 0) {
      use(caller).executed(now, executionMillis);
    }
    Access.Quota oq = access.quota(owner);
    if (owner != null && !owner.equals(caller) && oq != null && oq.servesOthersSecondsPerDay() > 0) {
      use(owner).served(now, executionMillis);
    }
  }

  private Use use(String account) {
    return uses.computeIfAbsent(account, a -> new Use());
  }

  /** One counter over fixed windows of {@code length} ms aligned to the epoch. Guarded by its {@link Use}. */
  private static final class Window {
    final long length;
    long start;
    long used;

    Window(long length) {
      this.length = length;
    }

    long used(long now) {
      long current = now - Math.floorMod(now, length);
      if (current != start) {
        start = current;
        used = 0;
      }
      return used;
    }

    void add(long now, long amount) {
      used(now);
      used += amount;
    }

    long retryAfter(long now) {
      return Math.max(1, start + length - now);
    }
  }

  /** One account's counters. */
  private static final class Use {
    final Window second = new Window(SECOND);
    final Window minute = new Window(MINUTE);
    final Window day = new Window(DAY);
    final Window executed = new Window(DAY);
    final Window served = new Window(DAY);

    synchronized Refusal startCall(Access.Quota q, long now) {
      Refusal r = over("callsPerSecond", q.callsPerSecond(), second, 1, now);
      r = r != null ? r : over("callsPerMinute", q.callsPerMinute(), minute, 1, now);
      r = r != null ? r : over("callsPerDay", q.callsPerDay(), day, 1, now);
      r = r != null ? r : over("executionSecondsPerDay", q.executionSecondsPerDay(), executed, 0, now);
      if (r == null) {
        second.add(now, 1);
        minute.add(now, 1);
        day.add(now, 1);
      }
      return r;
    }

    synchronized void refundCall(long now) {
      for (Window w : new Window[] {second, minute, day}) {
        if (w.used(now) > 0) {
          w.used--;
        }
      }
    }

    synchronized Refusal serving(Access.Quota q, long now) {
      return over("servesOthersSecondsPerDay", q.servesOthersSecondsPerDay(), served, 0, now);
    }

    /**
     * A refusal when adding {@code cost} would pass {@code limit} (calls), or, for a cost of 0
     * (execution time, known only afterwards), when the window's time is already spent.
     */
    private static long saturatedMillis(long seconds) {
      return seconds > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : seconds * 1000;
    }

    synchronized void executed(long now, long millis) {
      executed.add(now, millis);
    }

    synchronized void served(long now, long millis) {
      served.add(now, millis);
    }

    private static Refusal over(String name, long limit, Window w, long cost, long now) {
      if (limit == 0) {
        return null;
      }
      long used = w.used(now);
      boolean refused = cost > 0 ? used + cost > limit : used >= saturatedMillis(limit);
      return refused ? new Refusal(name, limit, w.retryAfter(now)) : null;
    }
  }
}
