package io.easyremote.client.internal.fanout;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.easyremote.client.FanOut;
import io.easyremote.client.MapRun;
import io.easyremote.client.MapRun.Item;
import io.easyremote.client.MapRun.Progress;
import io.easyremote.client.MapRun.State;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Json;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Runs one map: a daemon thread of its own takes inputs as the window allows and starts their
 * calls; completions (on gRPC threads) file each item in its slot; the reader takes items in input
 * order. The issued-but-unread slots are bounded ({@link #AHEAD_WINDOWS} windows, at least
 * {@link #MIN_AHEAD}), so an unread map pauses. The same thread calls the progress listener.
 *
 * <p>One lock guards every field below it; calls are started and cancelled outside it.
 *
 * @param <T> the result type
 */
public final class MapEngine<T> {
  /** Starts the call of one item. Must not block; failures complete the future. */
  @FunctionalInterface
  public interface Caller<T> {
    CompletableFuture<Done<T>> call(Object[] args);
  }

  /** A successful call: its value, the node that served it and how long it took. */
  public record Done<T>(T value, String nodeId) {}

  private static final int AHEAD_WINDOWS = 4;
  private static final int MIN_AHEAD = 256;
  private static final int REPORTED_FAILURES = 10;
  private static final int MAX_ARGS_TEXT = 120;
  /**
   * Failures that every other item would meet too: they stop the map whatever failFast says.
   * {@code CANCELLED} here means the client was closed (the map's own cancel drops its items).
   */
  private static final Set<ErrorCode> STOPS_ALL = Set.of(ErrorCode.FUNCTION_NOT_FOUND, ErrorCode.UNAUTHENTICATED,
      ErrorCode.PERMISSION_DENIED, ErrorCode.CANCELLED);
  private static final Object END = new Object();

  private static final class Slot<T> {
    final long index;
    final List<?> args;
    final long startNanos = System.nanoTime();
    CompletableFuture<?> future;
    Item<T> item;

    Slot(long index, List<?> args) {
      this.index = index;
      this.args = args;
    }
  }

  private final String function;
  private final Iterator<? extends List<?>> inputs; // the map's thread only
  private final FanOut fanOut;
  private final IntSupplier autoWindow;
  private final Caller<T> caller;
  private final long startNanos = System.nanoTime();
  private final AtomicBoolean claimed = new AtomicBoolean();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  private final ArrayDeque<Slot<T>> unread = new ArrayDeque<>(); // issued, not yet taken by the reader; head = next in order
  private final List<Item<T>> failures = new ArrayList<>();
  private final NodeRates rates;
  private long total;
  private int window;
  private int ahead;
  private long issued;
  private int inFlight;
  private long succeeded;
  private long failed;
  private boolean inputsDone;
  private State state = State.RUNNING;
  private RemoteException stop;
  private long endNanos;
  private Runnable onChange = () -> {};

  private MapEngine(String function, Iterable<? extends List<?>> inputs, FanOut fanOut, IntSupplier autoWindow, Caller<T> caller) {
    this.function = function;
    this.inputs = inputs.iterator();
    this.fanOut = fanOut;
    this.autoWindow = autoWindow;
    this.caller = caller;
    this.total = inputs instanceof Collection<?> c ? c.size() : -1;
    this.rates = new NodeRates(startNanos);
  }

  /**
   * Starts a map on a thread of its own and returns at once.
   *
   * @param autoWindow the window when {@code fanOut} leaves it to the gateway (called on the map's thread)
   */
  public static <T> MapEngine<T> start(String function, Iterable<? extends List<?>> inputs, FanOut fanOut, IntSupplier autoWindow,
      Caller<T> caller) {
    MapEngine<T> engine = new MapEngine<>(function, inputs, fanOut, autoWindow, caller);
    Thread thread = new Thread(engine::run, "easyremote-map-" + function);
    thread.setDaemon(true);
    thread.start();
    return engine;
  }

  public String function() {
    return function;
  }

  // ------------------------------------------------------------------ the map's thread

  private void run() {
    try {
      int w = fanOut.window() > 0 ? fanOut.window() : autoWindow.getAsInt();
      lock.lock();
      try {
        window = w;
        ahead = Math.max(MIN_AHEAD, w * AHEAD_WINDOWS);
      } finally {
        lock.unlock();
      }
      Consumer<Progress> listener = fanOut.progress();
      long every = fanOut.progressEvery().toNanos();
      long nextTick = System.nanoTime() + every;
      while (true) {
        boolean issue = false;
        boolean exit = false;
        lock.lock();
        try {
          while (true) {
            if (state != State.RUNNING) {
              exit = true;
              break;
            }
            if (!inputsDone && inFlight < window && unread.size() < ahead) {
              issue = true;
              break;
            }
            long wait = nextTick - System.nanoTime();
            if (listener != null && wait <= 0) {
              break;
            }
            if (listener == null) {
              changed.await();
            } else {
              changed.awaitNanos(wait);
            }
          }
        } finally {
          lock.unlock();
        }
        if (listener != null && System.nanoTime() - nextTick >= 0 && !exit) {
          tell(listener);
          nextTick = System.nanoTime() + every;
        }
        if (exit) {
          break;
        }
        if (issue) {
          issueNext();
        }
      }
      if (listener != null) {
        tell(listener);
      }
    } catch (InterruptedException e) {
      cancel();
    } catch (RuntimeException | Error e) {
      halt(new RemoteException(ErrorCode.INTERNAL, "The map of '" + function + "' failed: " + e, false, 0, null, e));
    }
  }

  private void tell(Consumer<Progress> listener) {
    try {
      listener.accept(progress());
    } catch (RuntimeException e) {
      // a listener's failure must not stop the map; it hears again next time
    }
  }

  private void issueNext() {
    List<?> args;
    try {
      if (!inputs.hasNext()) {
        lock.lock();
        try {
          inputsDone = true;
          total = issued;
          finishIfDone();
          changed.signalAll();
        } finally {
          lock.unlock();
        }
        onChange.run();
        return;
      }
      args = inputs.next();
    } catch (RuntimeException e) {
      halt(new RemoteException(ErrorCode.INVALID_ARGUMENTS,
          "Reading input " + issuedNow() + " of the map of '" + function + "' failed: " + e, false, 0, null, e));
      return;
    }
    Slot<T> slot;
    lock.lock();
    try {
      if (state != State.RUNNING) {
        return;
      }
      slot = new Slot<>(issued++, args);
      unread.addLast(slot);
      inFlight++;
    } finally {
      lock.unlock();
    }
    CompletableFuture<Done<T>> call;
    if (args == null) {
      call = CompletableFuture.failedFuture(new RemoteException(ErrorCode.INVALID_ARGUMENTS,
          "Input " + slot.index + " of the map of '" + function + "' is null; each input is a list of arguments (empty for none).",
          false, 0, null, null));
    } else {
      try {
        call = caller.call(args.toArray());
      } catch (RuntimeException e) {
        call = CompletableFuture.failedFuture(e);
      }
    }
    boolean cancelNow;
    lock.lock();
    try {
      cancelNow = state != State.RUNNING;
      if (!cancelNow && slot.item == null) {
        slot.future = call;
      }
    } finally {
      lock.unlock();
    }
    if (cancelNow) {
      call.cancel(true);
    }
    call.whenComplete((done, failure) -> complete(slot, done, failure));
  }

  private long issuedNow() {
    lock.lock();
    try {
      return issued;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ completions (any thread)

  private void complete(Slot<T> slot, Done<T> done, Throwable failure) {
    RemoteException error = failure == null ? null : remote(failure);
    List<CompletableFuture<?>> toCancel = List.of();
    lock.lock();
    try {
      inFlight--;
      slot.future = null;
      if (state == State.CANCELLED || state == State.FAILED) {
        changed.signalAll();
        return; // dropped: the map has stopped
      }
      long now = System.nanoTime();
      Duration latency = Duration.ofNanos(now - slot.startNanos);
      if (error == null) {
        slot.item = new Item<>(slot.index, slot.args, done.value(), null, done.nodeId(), latency);
        succeeded++;
        rates.record(done.nodeId(), now);
      } else {
        slot.item = new Item<>(slot.index, slot.args, null, error, error.nodeId(), latency);
        failed++;
        failures.add(slot.item);
        if (fanOut.failFast() || STOPS_ALL.contains(error.code())) {
          toCancel = stopLocked(State.FAILED, stopped(slot.item));
        }
      }
      finishIfDone();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    toCancel.forEach(f -> f.cancel(true));
    onChange.run();
  }

  private void finishIfDone() {
    if (state == State.RUNNING && inputsDone && inFlight == 0) {
      state = State.DONE;
      endNanos = System.nanoTime();
    }
  }

  /** Under the lock: stops the map and returns the calls to cancel (outside the lock). */
  private List<CompletableFuture<?>> stopLocked(State how, RemoteException why) {
    if (state != State.RUNNING) {
      return List.of();
    }
    state = how;
    stop = why;
    endNanos = System.nanoTime();
    List<CompletableFuture<?>> running = new ArrayList<>();
    for (Slot<T> s : unread) {
      if (s.future != null) {
        running.add(s.future);
      }
    }
    unread.clear();
    changed.signalAll();
    return running;
  }

  private void halt(RemoteException why) {
    List<CompletableFuture<?>> toCancel;
    lock.lock();
    try {
      toCancel = stopLocked(State.FAILED, why);
    } finally {
      lock.unlock();
    }
    toCancel.forEach(f -> f.cancel(true));
    onChange.run();
  }

  /** Stops the map unless it has already ended. */
  public void cancel() {
    List<CompletableFuture<?>> toCancel;
    lock.lock();
    try {
      toCancel = stopLocked(State.CANCELLED, null);
    } finally {
      lock.unlock();
    }
    toCancel.forEach(f -> f.cancel(true));
    onChange.run();
  }

  // ------------------------------------------------------------------ reading

  /** The reader's iterator; claims the results. */
  public Iterator<Item<T>> iterator() {
    claim("iterator()");
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return awaitNext();
      }

      @Override
      public Item<T> next() {
        if (!awaitNext()) {
          throw new NoSuchElementException("The map of '" + function + "' has no more items");
        }
        @SuppressWarnings("unchecked")
        Item<T> item = (Item<T>) poll(true);
        return item;
      }
    };
  }

  private boolean awaitNext() {
    lock.lock();
    try {
      while (true) {
        Object next = peekLocked();
        if (next instanceof RemoteException e) {
          throw e;
        }
        if (next != null) {
          return next != END;
        }
        try {
          changed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          lock.unlock();
          try {
            cancel();
          } finally {
            lock.lock();
          }
          throw new RemoteException(ErrorCode.CANCELLED,
              "Interrupted while waiting for the map of '" + function + "'; the map was cancelled.", true, 0, null, e);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: the next item, {@link #END}, the error that stopped the map, or null when the next is not done yet. */
  private Object peekLocked() {
    if (state == State.FAILED) {
      return stop;
    }
    if (state == State.CANCELLED) {
      return END;
    }
    Slot<T> head = unread.peekFirst();
    if (head == null) {
      return inputsDone ? END : null;
    }
    return head.item;
  }

  /** The next item (taken when {@code take}), {@link #END}, the stopping error, or null; never blocks. */
  Object poll(boolean take) {
    lock.lock();
    try {
      Object next = peekLocked();
      if (take && next instanceof Item<?>) {
        unread.pollFirst();
        changed.signalAll();
      }
      return next;
    } finally {
      lock.unlock();
    }
  }

  static boolean isEnd(Object polled) {
    return polled == END;
  }

  /** Subscribes a publisher's subscriber; claims the results. */
  public void subscribe(Flow.Subscriber<? super Item<T>> subscriber) {
    if (subscriber == null) {
      throw new NullPointerException("subscriber"); // Reactive Streams §1.9
    }
    if (!claimed.compareAndSet(false, true)) {
      MapSubscription.reject(subscriber, new IllegalStateException(alreadyRead("publisher()")));
      return;
    }
    MapSubscription<T> subscription = new MapSubscription<>(this, subscriber);
    lock.lock();
    try {
      onChange = subscription::drain;
    } finally {
      lock.unlock();
    }
    subscriber.onSubscribe(subscription);
    subscription.drain();
  }

  private void claim(String how) {
    if (!claimed.compareAndSet(false, true)) {
      throw new IllegalStateException(alreadyRead(how));
    }
  }

  private String alreadyRead(String how) {
    return "The results of the map of '" + function + "' are already being read; " + how + " cannot read them again: a MapRun is read once";
  }

  // ------------------------------------------------------------------ reports

  /** The failed items so far, in input order. */
  public List<Item<T>> errors() {
    lock.lock();
    try {
      List<Item<T>> copy = new ArrayList<>(failures);
      copy.sort(Comparator.comparingLong(Item::index));
      return copy;
    } finally {
      lock.unlock();
    }
  }

  /** A snapshot of the progress. */
  public Progress progress() {
    lock.lock();
    try {
      long now = state == State.RUNNING ? System.nanoTime() : endNanos;
      double rate = rates.rate(now);
      long known = inputsDone ? issued : total;
      Duration eta = null;
      if (state != State.RUNNING) {
        eta = Duration.ZERO;
      } else if (known >= 0 && rate > 0) {
        eta = Duration.ofMillis((long) Math.ceil((known - succeeded - failed) / rate * 1000));
      }
      return new Progress(known, succeeded, failed, inFlight, Duration.ofNanos(now - startNanos), rate, rates.counts(),
          rates.rates(now), eta, state);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The exception for failed items: the first one's code, a message naming the failed items and
   * their inputs (the first ten), the first failure as the cause.
   */
  public static RemoteException report(String function, List<? extends Item<?>> failed, long items) {
    Item<?> first = failed.get(0);
    StringBuilder message = new StringBuilder().append(failed.size()).append(" of ").append(items).append(" items of the map of '")
        .append(function).append("' failed: ");
    for (int i = 0; i < Math.min(REPORTED_FAILURES, failed.size()); i++) {
      Item<?> item = failed.get(i);
      message.append(i == 0 ? "" : "; ").append(describe(item));
    }
    if (failed.size() > REPORTED_FAILURES) {
      message.append("; and ").append(failed.size() - REPORTED_FAILURES).append(" more");
    }
    RemoteException e = first.error();
    return new RemoteException(e.code(), message.append('.').toString(), e.reachedNode(), e.retryAfterMillis(), e.nodeId(), e);
  }

  /** {@code item 4 [4]: FUNCTION_FAILED: bad input} */
  public static String describe(Item<?> item) {
    return "item " + item.index() + " " + argsText(item.args()) + ": " + item.error().code() + ": " + item.error().getMessage();
  }

  /** The arguments as JSON, shortened to about 120 characters. */
  public static String argsText(List<?> args) {
    String text;
    try {
      text = Json.mapper().writeValueAsString(args);
    } catch (JsonProcessingException e) {
      text = String.valueOf(args);
    }
    return text.length() <= MAX_ARGS_TEXT ? text : text.substring(0, MAX_ARGS_TEXT) + "…";
  }

  private RemoteException stopped(Item<T> item) {
    RemoteException e = item.error();
    return new RemoteException(e.code(), "The map of '" + function + "' stopped at " + describe(item)
        + (STOPS_ALL.contains(e.code()) ? " (it would fail every item)" : " (fail-fast)"), e.reachedNode(), e.retryAfterMillis(),
        e.nodeId(), e);
  }

  private RemoteException remote(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof RemoteException r) {
      return r;
    }
    if (cause instanceof CancellationException) {
      return new RemoteException(ErrorCode.CANCELLED, "The call to '" + function + "' was cancelled.", true, 0, null, cause);
    }
    return new RemoteException(ErrorCode.INTERNAL, "The call to '" + function + "' failed unexpectedly: " + cause, true, 0, null, cause);
  }

  @Override
  public String toString() {
    return "MapEngine{" + function + ", " + progress() + "}";
  }
}
