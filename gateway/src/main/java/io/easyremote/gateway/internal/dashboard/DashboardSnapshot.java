package io.easyremote.gateway.internal.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Wire;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the dashboard shows, in one JSON document ({@code GET /api/dashboard}): gateway
 * totals, the nodes and functions as the status API reports them (functions with their call
 * counts and latency percentiles added), and the newest calls. Built per request from live state.
 */
public final class DashboardSnapshot {
  private static final int CALLS_SHOWN = 50;

  private final CallScheduler scheduler;
  private final StatusViews status;
  private final FunctionStats functionStats;
  private final RecentCalls recentCalls;
  private volatile java.util.function.Supplier<ObjectNode> credits;

  public DashboardSnapshot(CallScheduler scheduler, StatusViews status, FunctionStats functionStats, RecentCalls recentCalls) {
    this.scheduler = scheduler;
    this.status = status;
    this.functionStats = functionStats;
    this.recentCalls = recentCalls;
  }

  /** Adds a {@code credits} section (accounts and node earnings) from this supplier; none when credits are off. */
  public DashboardSnapshot withCredits(java.util.function.Supplier<ObjectNode> section) {
    this.credits = section;
    return this;
  }

  /**
   * The snapshot as of now.
   *
   * @param withCredits whether to add the credits section: every account's balance and spending,
   *     for an admin only (the rest is also shown to anyone when the gateway's status is public)
   */
  public ObjectNode toJson(boolean withCredits) {
    ObjectMapper json = Json.mapper();
    ObjectNode out = json.createObjectNode();
    out.put("at", System.currentTimeMillis());
    out.putObject("gateway")
        .put("inFlight", scheduler.inFlight())
        .put("queued", scheduler.queued())
        .put("bufferedStreamItems", scheduler.bufferedStreamItems().get());
    // The whole cluster: this gateway's nodes (with their load figures), then the others' (as the directory knows them).
    out.set("nodes", json.valueToTree(status.clusterNodes().stream().map(Wire::fromWire).toList()));
    List<FunctionInfo> functions = status.clusterFunctions(io.easyremote.gateway.internal.core.CallGrant.OPEN).stream()
        .map(Wire::fromWire).toList();
    List<String> names = new ArrayList<>();
    ArrayNode functionsJson = out.putArray("functions");
    for (FunctionInfo function : functions) {
      names.add(function.name());
      ObjectNode entry = json.valueToTree(function);
      FunctionStats.Figures figures = functionStats.of(function.name());
      entry.put("calls", figures.calls()).put("failed", figures.failed()).put("callerErrors", figures.callerErrors())
          .put("p50Millis", figures.p50Millis()).put("p95Millis", figures.p95Millis());
      functionsJson.add(entry);
    }
    functionStats.retainOnly(names);
    out.set("calls", recentCalls.toJson(CALLS_SHOWN));
    java.util.function.Supplier<ObjectNode> section = credits;
    if (section != null && withCredits) {
      out.set("credits", section.get());
    }
    return out;
  }
}
