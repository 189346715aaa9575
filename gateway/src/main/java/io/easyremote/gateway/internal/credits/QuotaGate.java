package io.easyremote.gateway.internal.credits;

import io.easyremote.gateway.Access;
import io.easyremote.gateway.internal.core.CallAdmission;
import io.easyremote.gateway.internal.core.CallListener;
import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.NodeSession;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The admission gate with quotas ({@code docs/credits.md}, "Quotas"): a call over one of its
 * caller's quotas is refused with {@code QUOTA_EXCEEDED} and a retry-after (when the window frees
 * up) before anything else; a call of another account that only nodes whose owner's
 * {@code servesOthersSecondsPerDay} is spent could run is refused with {@code QUOTA_EXCEEDED} too. A call that passes goes on to the credits gate ({@link Billing}),
 * when credits are on; one that the credits gate refuses is not counted. As a
 * {@link CallListener} it counts the execution time of calls that ran.
 *
 * <p>Nothing here blocks or runs under the routing lock: the counters have their own per-account
 * monitors, and the nodes offering a function are read with {@link CallScheduler#read}.
 */
public final class QuotaGate implements CallAdmission, CallListener {
  private final Quotas quotas;
  private final Billing billing;
  private final CallScheduler scheduler;
  private final Access access;
  private final boolean servingQuotas;
  private final MeterRegistry registry;

  /**
   * @param billing the credits gate the call passes next, or null when credits are off
   */
  public QuotaGate(Quotas quotas, Billing billing, CallScheduler scheduler, Access access, MeterRegistry registry) {
    this.quotas = quotas;
    this.billing = billing;
    this.scheduler = scheduler;
    this.access = access;
    this.registry = registry;
    this.servingQuotas = access.accounts().stream().map(access::quota)
        .anyMatch(q -> q != null && q.servesOthersSecondsPerDay() > 0);
  }

  @Override
  public CompletionStage<Error> admit(PendingCall call) {
    String principal = call.request().grant().principal();
    String caller = principal == null ? null : access.keyAccount(principal);
    Quotas.Refusal refusal = quotas.startCall(caller);
    if (refusal != null) {
      return refuse(refusal, "Account '" + caller + "' is over its quota of " + refusal.limit() + " " + unit(refusal.quota())
          + "; '" + call.function() + "' was not run. Retry after " + refusal.retryAfterMillis() + " ms, when the window frees up.");
    }
    if (servingQuotas) {
      Error spent = spentOwners(call, caller);
      if (spent != null) {
        quotas.refundCall(caller);
        return CompletableFuture.completedFuture(spent);
      }
    }
    CompletionStage<Error> next = billing == null ? null : billing.admit(call);
    if (next == null) {
      return null;
    }
    return next.thenApply(error -> {
      if (error != null) {
        quotas.refundCall(caller);
      }
      return error;
    });
  }

  /**
   * QUOTA_EXCEEDED when every node that could run the call belongs to another account whose nodes
   * have served others their share today. A function's nodes all register under one node token
   * (function ownership), so they have one owner: its nodes are ruled out together.
   */
  private Error spentOwners(PendingCall call, String caller) {
    String pinned = call.request().pinnedNode();
    List<String[]> candidates = scheduler.read(view -> {
      List<String[]> nodes = new ArrayList<>();
      for (NodeSession node : view.offering(call.function())) {
        if (pinned == null || pinned.equals(node.nodeId())) {
          nodes.add(new String[] {node.nodeId(), node.principal() == null ? null : access.tokenAccount(node.principal())});
        }
      }
      return nodes;
    });
    Set<String> spentNodes = new HashSet<>();
    Set<String> owners = new TreeSet<>();
    long retryAfter = Long.MAX_VALUE;
    for (String[] node : candidates) {
      String owner = node[1];
      if (owner == null || owner.equals(caller)) {
        continue; // an owner's own calls are never limited by what its nodes serve others
      }
      Quotas.Refusal spent = quotas.serving(owner);
      if (spent != null) {
        spentNodes.add(node[0]);
        owners.add(owner);
        retryAfter = Math.min(retryAfter, spent.retryAfterMillis());
      }
    }
    if (spentNodes.isEmpty() || spentNodes.size() < candidates.size()) {
      return null;
    }
    counter("servesOthersSecondsPerDay").increment();
    return Wire.error(ErrorCode.QUOTA_EXCEEDED, "Every node that could run '" + call.function() + "' belongs to an account whose "
        + "nodes have served others their share today (" + String.join(", ", owners) + "); it was not run. Retry after "
        + retryAfter + " ms, when the day's window frees up.").toBuilder().setRetryAfterMs(retryAfter).build();
  }

  private CompletionStage<Error> refuse(Quotas.Refusal refusal, String message) {
    counter(refusal.quota()).increment();
    return CompletableFuture.completedFuture(
        Wire.error(ErrorCode.QUOTA_EXCEEDED, message).toBuilder().setRetryAfterMs(refusal.retryAfterMillis()).build());
  }

  private Counter counter(String quota) {
    return Counter.builder("easyremote.quota.refused").description("Calls refused with QUOTA_EXCEEDED, by quota")
        .tag("quota", quota).register(registry);
  }

  private static String unit(String quota) {
    return switch (quota) {
      case "callsPerSecond" -> "calls per second";
      case "callsPerMinute" -> "calls per minute";
      case "callsPerDay" -> "calls per day";
      case "executionSecondsPerDay" -> "execution seconds per day";
      default -> "seconds per day serving others";
    };
  }

  @Override
  public void onCompleted(CallRecord record) {
    if (record.nodeId() == null || record.replay()) { // a replay ran nowhere
      return;
    }
    String caller = record.principal() == null ? null : access.keyAccount(record.principal());
    String owner = null;
    if (servingQuotas) {
      String tokenName = scheduler.read(view -> {
        NodeSession node = view.node(record.nodeId());
        return node == null ? null : node.principal();
      });
      owner = tokenName == null ? null : access.tokenAccount(tokenName);
    }
    quotas.ran(caller, owner, TimeUnit.NANOSECONDS.toMillis(record.executionNanos()));
  }
}
