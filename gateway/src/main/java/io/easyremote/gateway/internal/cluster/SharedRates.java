package io.easyremote.gateway.internal.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.wire.RateReport;
import io.easyremote.protocol.wire.SignedRateReport;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares the client keys' rate limits across the cluster, approximately: every
 * {@link #INTERVAL_MILLIS} each gateway publishes how many calls per second it admitted lately per
 * rate-limited key (on {@code easyremote.rates.<gateway id>}, signed with the cluster secret), and
 * moves the rate it allows each key halfway towards the key's configured rate less what the others
 * reported (never below {@link CallerAuthentication#MIN_LOCAL_SHARE} of it). Halfway, so that
 * gateways reacting to each other at the same moment settle instead of swinging between all and
 * nothing: two gateways hammered alike converge on half each; one used lightly keeps what it uses
 * and the other gets the rest. A key used through several gateways thus gets about its configured
 * rate in all, within a few report intervals; a report older than {@link #STALE_MILLIS} no longer
 * counts (its gateway may be gone). Thread-safe.
 */
final class SharedRates {
  private static final Logger log = LoggerFactory.getLogger(SharedRates.class);
  static final String SUBJECT = "easyremote.rates";
  /** How often a gateway reports. */
  static final long INTERVAL_MILLIS = 500;
  /** A gateway's report counts this long after it arrived (the gateway may have died). */
  static final long STALE_MILLIS = 2_000;
  private static final byte[] TAG = "easyremote-rates".getBytes(StandardCharsets.US_ASCII);

  private final String gatewayId;
  private final CallerAuthentication authentication;
  private final ForwardSigner signer;
  private final Connection connection;
  /** The others' latest reports, by gateway. */
  private final ConcurrentHashMap<String, Received> reports = new ConcurrentHashMap<>();
  private final AtomicLong ignored = new AtomicLong();
  /** Admissions per key at the last report, and when it was made (the timer's thread only). */
  private Map<String, Long> lastTotals = Map.of();
  private long lastTickNanos = System.nanoTime();
  private boolean reportedUse;
  /** The rate each key may use here now, moved at each report (read by the keys' admissions, any thread). */
  private final ConcurrentHashMap<String, Double> allowed = new ConcurrentHashMap<>();

  private record Received(long issuedAtMs, long receivedNanos, Map<String, Double> rates) { }

  SharedRates(String gatewayId, CallerAuthentication authentication, ForwardSigner signer, Connection connection) {
    this.gatewayId = gatewayId;
    this.authentication = authentication;
    this.signer = signer;
    this.connection = connection;
  }

  /** The rate {@code key} may use on this gateway now (calls/s): its configured rate until the others report using it. */
  double allowedRate(String key) {
    Double rate = allowed.get(key);
    return rate != null ? rate : Double.MAX_VALUE;
  }

  /** Moves every key's allowed rate halfway towards its configured rate less the others' recent use. */
  void rebalance() {
    rebalance(authentication.rateLimitedKeys());
  }

  private void rebalance(List<CallerAuthentication.KeyRate> keys) {
    for (CallerAuthentication.KeyRate key : keys) {
      double configured = key.ratePerSecond();
      double target = Math.max(configured * CallerAuthentication.MIN_LOCAL_SHARE, configured - othersRate(key.name()));
      double now = Math.min(configured, allowed.getOrDefault(key.name(), configured));
      allowed.put(key.name(), now + (target - now) / 2);
    }
  }

  /** Calls per second of {@code key} that the other gateways admitted lately. */
  double othersRate(String key) {
    long now = System.nanoTime();
    double sum = 0;
    for (Received r : reports.values()) {
      if (now - r.receivedNanos() < TimeUnit.MILLISECONDS.toNanos(STALE_MILLIS)) {
        sum += r.rates().getOrDefault(key, 0.0);
      }
    }
    return sum;
  }

  /** Publishes this gateway's recent use and rebalances the keys' rates here (the timer calls it every {@link #INTERVAL_MILLIS}). */
  void report() {
    List<CallerAuthentication.KeyRate> keys = authentication.rateLimitedKeys();
    rebalance(keys);
    long now = System.nanoTime();
    double seconds = Math.max(1e-3, (now - lastTickNanos) / 1e9);
    Map<String, Long> totals = new HashMap<>();
    Map<String, Double> rates = new HashMap<>();
    for (CallerAuthentication.KeyRate key : keys) {
      totals.put(key.name(), key.admitted());
      long delta = key.admitted() - lastTotals.getOrDefault(key.name(), key.admitted());
      if (delta > 0) {
        rates.put(key.name(), delta / seconds);
      }
    }
    lastTotals = totals;
    lastTickNanos = now;
    if (rates.isEmpty() && !reportedUse) {
      return; // nothing used, and the others already know
    }
    reportedUse = !rates.isEmpty();
    byte[] body = RateReport.newBuilder().setGateway(gatewayId).setIssuedAtMs(System.currentTimeMillis())
        .putAllCallsPerSecond(rates).build().toByteArray();
    byte[] message = SignedRateReport.newBuilder().setBody(ByteString.copyFrom(body))
        .setMac(ByteString.copyFrom(signer.signTagged(TAG, body))).build().toByteArray();
    try {
      connection.publish(SUBJECT + "." + gatewayId, message);
    } catch (RuntimeException e) {
      log.debug("Cluster {}: rate report not sent", gatewayId, e);
    }
  }

  /** Another gateway's report (a NATS dispatcher thread): taken when signed, from another gateway, and newer than its last. */
  void onMessage(Message msg) {
    RateReport report;
    try {
      SignedRateReport signed = SignedRateReport.parseFrom(msg.getData());
      byte[] body = signed.getBody().toByteArray();
      if (!signer.verifyTagged(TAG, body, signed.getMac().toByteArray())) {
        ignored("a bad signature");
        return;
      }
      report = RateReport.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      ignored("malformed");
      return;
    }
    if (report.getGateway().equals(gatewayId) || !msg.getSubject().equals(SUBJECT + "." + report.getGateway())) {
      if (!report.getGateway().equals(gatewayId)) {
        ignored("sent on another gateway's subject");
      }
      return;
    }
    Map<String, Double> rates = new HashMap<>();
    report.getCallsPerSecondMap().forEach((key, rate) -> {
      if (rate > 0 && Double.isFinite(rate)) {
        rates.put(key, rate);
      }
    });
    Received received = new Received(report.getIssuedAtMs(), System.nanoTime(), rates);
    reports.merge(report.getGateway(), received, (old, now) -> now.issuedAtMs() > old.issuedAtMs() ? now : old);
  }

  private void ignored(String why) {
    long n = ignored.incrementAndGet();
    if (n == 1 || n % 1000 == 0) {
      log.warn("Cluster {}: ignored a rate report ({}; {} so far)", gatewayId, why, n);
    }
  }

  /** Rate reports ignored (unsigned, forged, malformed, or on another gateway's subject). */
  long ignored() {
    return ignored.get();
  }
}
