package io.easyremote.client.internal.fanout;

import io.easyremote.client.FanOut;
import io.easyremote.client.Gathered;
import io.easyremote.client.internal.call.Await;
import io.easyremote.client.internal.call.Invoker;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One broadcast: a call pinned to each eligible node at once, gathered until the quorum succeeded,
 * the quorum can no longer be reached, or the time is up; the calls still running are then
 * cancelled.
 */
public final class Broadcast {
  /** Beyond the calls' own deadline, how long to wait for their failures to arrive. */
  private static final long BACKSTOP_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private Broadcast() {}

  /**
   * Runs it on the calling thread.
   *
   * @throws RemoteException when no node is eligible, the quorum is more than the eligible nodes,
   *     or the quorum was not reached (the message says what each node did)
   */
  public static <T> Gathered<T> run(Invoker invoker, String function, ResultReader<T> reader, FanOut fanOut, Object[] args) {
    Await.checkNotInterrupted("the broadcast of '" + function + "'");
    List<String> nodes = Eligible.nodeIds(invoker, function);
    if (nodes.isEmpty()) {
      throw new RemoteException(ErrorCode.NO_NODE_AVAILABLE, "No node offering '" + function + "' meets the call's requirements.");
    }
    int need = fanOut.quorum() == 0 ? nodes.size() : fanOut.quorum();
    if (need > nodes.size()) {
      throw new RemoteException(ErrorCode.NO_NODE_AVAILABLE, "The broadcast of '" + function + "' needs " + need
          + " answers, but only " + nodes.size() + " node" + (nodes.size() == 1 ? "" : "s") + " can run it: " + Eligible.ids(nodes) + ".");
    }
    Duration within = fanOut.within() != null ? fanOut.within() : invoker.deadline();
    Invoker calls = invoker.withDeadline(within);
    Gathering<T> gathering = new Gathering<>(need, nodes.size());
    long start = System.nanoTime();
    Map<String, CompletableFuture<T>> running = new LinkedHashMap<>();
    for (String node : nodes) {
      CompletableFuture<T> call = calls.call(node, function, reader, args);
      running.put(node, call);
      call.whenComplete((value, failure) -> gathering.record(node, value, failure));
    }
    boolean timedOut = false;
    try {
      gathering.enough.get(within.toNanos() + BACKSTOP_NANOS, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      timedOut = true;
    } catch (InterruptedException e) {
      running.values().forEach(f -> f.cancel(true));
      Thread.currentThread().interrupt();
      throw new RemoteException(ErrorCode.CANCELLED, "Interrupted while gathering the broadcast of '" + function
          + "'; its calls were cancelled.", true, 0, null, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the gathering never fails", e);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    Map<String, T> results;
    Map<String, RemoteException> errors;
    List<String> unanswered = new ArrayList<>();
    synchronized (gathering) {
      gathering.closed = true;
      results = new LinkedHashMap<>(gathering.results);
      errors = new LinkedHashMap<>(gathering.errors);
    }
    running.forEach((id, call) -> {
      if (!results.containsKey(id) && !errors.containsKey(id)) {
        unanswered.add(id);
        call.cancel(true);
      }
    });
    if (results.size() >= need) {
      return new Gathered<>(results, errors, unanswered, elapsed);
    }
    throw shortOfQuorum(function, need, nodes, results, errors, unanswered, timedOut, within);
  }

  private static RemoteException shortOfQuorum(String function, int need, List<String> nodes, Map<String, ?> results,
      Map<String, RemoteException> errors, List<String> unanswered, boolean timedOut, Duration within) {
    StringBuilder message = new StringBuilder(String.format(Locale.ROOT, "The broadcast of '%s' gathered %d of the %d answers it needs from %d nodes:",
        function, results.size(), need, nodes.size()));
    results.keySet().forEach(id -> message.append(' ').append(id).append(" ok;"));
    errors.forEach((id, e) -> message.append(' ').append(id).append(' ').append(e.code()).append(": ").append(e.getMessage()).append(';'));
    unanswered.forEach(id -> message.append(' ').append(id).append(" no answer within ").append(within.toMillis()).append(" ms;"));
    message.setCharAt(message.length() - 1, '.');
    ErrorCode code;
    if (timedOut || !unanswered.isEmpty() || errors.values().stream().anyMatch(e -> e.code() == ErrorCode.DEADLINE_EXCEEDED)) {
      code = ErrorCode.DEADLINE_EXCEEDED;
    } else {
      code = errors.values().iterator().next().code();
    }
    RemoteException cause = errors.values().stream().findFirst().orElse(null);
    return new RemoteException(code, message.toString(), cause == null || cause.reachedNode(), 0, null, cause);
  }

  /** The answers so far; completes {@link #enough} once the quorum is met or out of reach. */
  private static final class Gathering<T> {
    final CompletableFuture<Void> enough = new CompletableFuture<>();
    final Map<String, T> results = new LinkedHashMap<>();
    final Map<String, RemoteException> errors = new LinkedHashMap<>();
    private final int need;
    private final int nodes;
    boolean closed;

    Gathering(int need, int nodes) {
      this.need = need;
      this.nodes = nodes;
    }

    synchronized void record(String node, T value, Throwable failure) {
      if (closed) {
        return;
      }
      if (failure == null) {
        results.put(node, value);
      } else {
        errors.put(node, remote(failure));
      }
      if (results.size() >= need || nodes - errors.size() < need) {
        enough.complete(null);
      }
    }

    private static RemoteException remote(Throwable failure) {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      if (cause instanceof RemoteException r) {
        return r;
      }
      if (cause instanceof CancellationException) {
        return new RemoteException(ErrorCode.CANCELLED, "The call was cancelled.", true, 0, null, cause);
      }
      return new RemoteException(ErrorCode.INTERNAL, "The call failed unexpectedly: " + cause, true, 0, null, cause);
    }
  }
}
