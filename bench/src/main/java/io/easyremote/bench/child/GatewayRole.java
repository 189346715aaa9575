package io.easyremote.bench.child;

import io.easyremote.gateway.Gateway;
import java.time.Duration;
import java.util.Map;

/**
 * A gateway on 127.0.0.1 and a free port. Args: {@code [maxPayloadBytes] [heartbeatMillis] [state] [credits] [full|normal]}, where state
 * is {@code sqlite:DIR} or {@code postgres:JDBC-URL} (async jobs on) or absent, and {@code credits} turns on paid calls:
 * the bench's client key and node token ({@link PaidAccess}), a 10% operator fee, and credits minted to the caller
 * ({@code credits-early}: results before their settlement commits); the last says how far the store syncs each commit.
 * Commands: {@code nodes} answers the number of connected nodes, {@code inflight} the calls in flight and queued,
 * {@code audit} the ledger's audit, {@code writer} the store writer's statistics ({@code Store.WriterStats}, in order, then the
 * ledger's {@code Pacing}).
 */
final class GatewayRole implements ChildRole {
  private final int maxPayloadBytes;
  private final Duration heartbeat;
  private final String state;
  private final boolean credits;
  /** credits-early: paid results go out before their settlement is committed. */
  private final boolean earlyResults;
  /** How far the state store makes commits durable: {@code full} (default) or {@code normal}. */
  private final io.easyremote.store.SyncMode sync;
  private Gateway gateway;

  GatewayRole(String[] args) {
    this.maxPayloadBytes = args.length > 0 ? Integer.parseInt(args[0]) : 32 << 20;
    this.heartbeat = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 1000);
    this.state = args.length > 2 && !args[2].equals("-") ? args[2] : null;
    this.credits = args.length > 3 && args[3].startsWith("credits");
    this.earlyResults = args.length > 3 && args[3].equals("credits-early");
    this.sync = args.length > 4 ? io.easyremote.store.SyncMode.parse(args[4]) : io.easyremote.store.SyncMode.FULL;
  }

  @Override
  public Map<String, String> start() {
    Gateway.Builder builder = Gateway.builder();
    if (state != null && state.startsWith("sqlite:")) {
      builder.state(java.nio.file.Path.of(state.substring("sqlite:".length()))).stateSync(sync);
    } else if (state != null && state.startsWith("postgres:")) {
      builder.stateJdbcUrl(state.substring("postgres:".length())).stateSync(sync);
    }
    if (credits) {
      builder.credits(PaidAccess.OPERATOR, 1_000).creditsSettleBeforeResult(!earlyResults).access(PaidAccess.access());
    }
    gateway = builder
        .host("127.0.0.1")
        .port(0)
        .maxPayloadBytes(maxPayloadBytes)
        .maxQueuedCallsPerFunction(100_000)
        .heartbeatInterval(heartbeat)
        .registrationGrace(Duration.ZERO)
        .build()
        .start();
    if (credits) {
      gateway.ledger().mint("bench-grant", PaidAccess.CALLER, Long.MAX_VALUE / 4).join();
    }
    return Map.of("port", Integer.toString(gateway.port()));
  }

  @Override
  public String command(String line) {
    return switch (line) {
      case "nodes" -> "nodes " + gateway.nodes().size();
      case "inflight" -> "inflight " + gateway.inFlightCalls() + " " + gateway.queuedCalls();
      case "audit" -> "audit " + (gateway.ledger() == null ? "off" : gateway.ledger().audit());
      case "writer" -> {
        if (gateway.ledger() == null) {
          yield "writer 0 0 0 0 0 0 0 0";
        }
        io.easyremote.store.Store.WriterStats w = gateway.ledger().store().writerStats();
        io.easyremote.store.Ledger.Pacing paced = gateway.ledger().pacing();
        yield "writer " + w.batches() + " " + w.writes() + " " + w.queuedToCommittedNanos() + " " + w.workNanos() + " "
            + w.commitNanos() + " " + w.completeNanos() + " " + paced.batches() + " " + paced.waitedNanos();
      }
      default -> "error unknown command " + line;
    };
  }

  @Override
  public void close() {
    gateway.close();
  }
}
