package io.easyremote.gateway.internal.credits;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.store.Ledger;
import io.easyremote.store.UsageTable;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The dashboard's credits section: each account's balance, reserved, earned and spent credits and
 * its use over the last 24 hours; each connected node's owner, what it earned since this gateway
 * started, and what it served over the last 24 hours. Read from the store at most every few
 * seconds (the dashboard polls every second).
 */
public final class CreditsDashboard implements Supplier<ObjectNode> {
  private static final Duration FRESH_FOR = Duration.ofSeconds(3);
  private static final Duration WINDOW = Duration.ofHours(24);

  private final Billing billing;
  private final Supplier<Collection<String>> connectedNodes;
  private ObjectNode cached;
  private Instant cachedAt = Instant.EPOCH;

  /** A section over {@code billing}'s ledger and usage, for the nodes {@code connectedNodes} names. */
  public CreditsDashboard(Billing billing, Supplier<Collection<String>> connectedNodes) {
    this.billing = billing;
    this.connectedNodes = connectedNodes;
  }

  @Override
  public synchronized ObjectNode get() {
    Instant now = Instant.now();
    if (cached == null || now.isAfter(cachedAt.plus(FRESH_FOR))) {
      cached = build(now);
      cachedAt = now;
    }
    return cached;
  }

  private ObjectNode build(Instant now) {
    Ledger ledger = billing.ledger();
    UsageTable usage = billing.usage();
    Instant from = now.minus(WINDOW);
    Map<String, UsageTable.Summary> byCaller = index(usage.summary(UsageTable.By.CALLER, null, from, now));
    Map<String, UsageTable.Summary> byNode = index(usage.summary(UsageTable.By.NODE, null, from, now));
    ObjectNode out = Json.mapper().createObjectNode();
    ArrayNode accounts = out.putArray("accounts");
    for (String account : billing.accountNames()) {
      ledger.statement(account, 0).ifPresent(statement -> {
        UsageTable.Summary used = byCaller.get(account);
        accounts.addObject()
            .put("account", account)
            .put("available", statement.account().available())
            .put("reserved", statement.account().reserved())
            .put("granted", statement.granted())
            .put("earned", statement.earned())
            .put("spent", statement.spent())
            .put("calls24h", used == null ? 0 : used.calls())
            .put("executionMs24h", used == null ? 0 : used.executionMs());
      });
    }
    ArrayNode nodes = out.putArray("nodes");
    for (String nodeId : connectedNodes.get()) {
      UsageTable.Summary served = byNode.get(nodeId);
      String owner = billing.ownerOf(nodeId);
      nodes.addObject()
          .put("nodeId", nodeId)
          .put("owner", owner)
          .put("earnedSinceStart", billing.earnedSinceStart(nodeId))
          .put("calls24h", served == null ? 0 : served.calls())
          .put("executionMs24h", served == null ? 0 : served.executionMs());
    }
    return out;
  }

  private static Map<String, UsageTable.Summary> index(Collection<UsageTable.Summary> rows) {
    Map<String, UsageTable.Summary> out = new HashMap<>();
    for (UsageTable.Summary row : rows) {
      out.put(row.key(), row);
    }
    return out;
  }
}
