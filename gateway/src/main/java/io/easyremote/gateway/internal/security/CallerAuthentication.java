package io.easyremote.gateway.internal.security;

import io.easyremote.gateway.Access;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.Permission;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Visibility;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * Turns an {@code Authorization: Bearer <key>} header into what the caller may do. Without client
 * keys configured everything is allowed; with keys, a caller without one may only call functions
 * that are public (marked so by the node and allowed by a public-function glob) and sees nothing
 * else unless the access configuration makes status public; a key may call what its globs cover,
 * within its rate and concurrency limits, and do what its {@link Access.Scope scope} allows.
 * Thread-safe.
 */
public final class CallerAuthentication {
  private final List<KeyGrant> keys;
  private final List<Glob> publicGlobs;
  private final boolean publicStatus;

  public CallerAuthentication(Access access) {
    this.publicGlobs = access.publicFunctions().stream().map(Glob::of).collect(Collectors.toList());
    this.keys = access.clientKeys().stream().map(KeyGrant::new).collect(Collectors.toList());
    this.publicStatus = access.publicStatus();
  }

  /** The rate (calls/s) a key name may use on this gateway now, when its rate is shared with a cluster; null outside one. */
  private volatile java.util.function.ToDoubleFunction<String> sharedRates;

  /**
   * In a cluster: where the rate each rate-limited key may use on this gateway now is read (its
   * configured rate less what the other gateways use of it, see {@code SharedRates}); kept between
   * {@link #MIN_LOCAL_SHARE} of the configured rate and all of it. Null: the configured rates
   * (outside a cluster).
   */
  public void sharedRates(java.util.function.ToDoubleFunction<String> rates) {
    this.sharedRates = rates;
  }

  /** The smallest share of a key's rate a gateway keeps whatever the others report (so no gateway is starved by stale reports). */
  public static final double MIN_LOCAL_SHARE = 0.1;

  /**
   * A rate-limited client key as a cluster shares it: its name, its configured rate (calls/s) and
   * the calls it was admitted here since start.
   */
  public record KeyRate(String name, double ratePerSecond, long admitted) { }

  /** Every rate-limited client key, with its calls admitted here so far (what a cluster shares). */
  public java.util.List<KeyRate> rateLimitedKeys() {
    java.util.List<KeyRate> rated = new java.util.ArrayList<>();
    for (KeyGrant grant : keys) {
      if (grant.key.ratePerSecond() > 0) {
        rated.add(new KeyRate(grant.key.name(), grant.key.ratePerSecond(), grant.admitted.get()));
      }
    }
    return rated;
  }

  /** Thrown for a key that is present but not valid. */
  public static final class InvalidKeyException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidKeyException() {
      super("The client key is not valid for this gateway.", null, false, false);
    }
  }

  /**
   * The grant for a request's Authorization header (null or empty when absent).
   *
   * @param remoteHost the caller's address, which scopes an anonymous caller's idempotency keys
   * @throws InvalidKeyException when a key is presented that is not known
   */
  public CallGrant authenticate(String authorization, String remoteHost) throws InvalidKeyException {
    if (keys.isEmpty()) {
      return CallGrant.OPEN;
    }
    if (authorization == null || authorization.isBlank()) {
      return new Anonymous(remoteHost);
    }
    String key = authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : authorization.trim();
    String presented = Secrets.hash(key);
    KeyGrant found = null;
    for (KeyGrant grant : keys) {
      if (Secrets.sameHash(grant.key.hash(), presented)) {
        found = grant;
      }
    }
    if (found == null) {
      NodeAdmission.audit.warn("DENY request from {}: unknown client key", remoteHost);
      throw new InvalidKeyException();
    }
    return found;
  }

  /**
   * The grant of the client key named {@code principal}, for work that outlives its request (an
   * async job run after a restart): {@link CallGrant#OPEN} on a gateway without keys, an anonymous
   * grant for null, and null when no key of that name is configured any more.
   */
  public CallGrant forPrincipal(String principal) {
    if (keys.isEmpty()) {
      return CallGrant.OPEN;
    }
    if (principal == null) {
      return new Anonymous("job");
    }
    for (KeyGrant grant : keys) {
      if (grant.key.name().equals(principal)) {
        return grant;
      }
    }
    return null;
  }

  /**
   * The grant of a caller another gateway of the cluster already authenticated: the client key
   * named {@code principal} (null when no key of that name is configured here), or an anonymous
   * caller from {@code anonymousHost} when {@code principal} is null; {@link CallGrant#OPEN} on a
   * gateway without keys.
   */
  public CallGrant forPeer(String principal, String anonymousHost) {
    if (keys.isEmpty() || principal != null) {
      return forPrincipal(principal);
    }
    return new Anonymous(anonymousHost);
  }

  private boolean publicName(String function) {
    return Glob.anyMatches(publicGlobs, function);
  }

  private boolean isPublic(String function, FunctionSpec spec) {
    return spec.getVisibility() == Visibility.PUBLIC && publicName(function);
  }

  /** A caller without a key: public functions only; status only when the configuration makes it public. */
  private final class Anonymous implements CallGrant {
    private final String remoteHost;

    Anonymous(String remoteHost) {
      this.remoteHost = remoteHost;
    }

    @Override
    public Error authorize(String function) {
      return publicName(function) ? null : needsKey(function);
    }

    @Override
    public Error admit(String function, FunctionSpec spec) {
      return isPublic(function, spec) ? null : needsKey(function);
    }

    private Error needsKey(String function) {
      return Wire.error(ErrorCode.UNAUTHENTICATED, "'" + function + "' needs a client key: send Authorization: Bearer <key>.");
    }

    @Override
    public boolean mayCall(String function, FunctionSpec spec) {
      return isPublic(function, spec);
    }

    @Override
    public void release() {}

    @Override
    public String principal() {
      return null;
    }

    @Override
    public boolean maySee(String function, FunctionSpec spec) {
      return publicStatus || isPublic(function, spec);
    }

    @Override
    public boolean may(Permission permission) {
      return publicStatus && permission != Permission.ADMINISTER;
    }

    @Override
    public String idempotencyScope() {
      return "anonymous@" + remoteHost;
    }
  }

  /** A client key's scope and limits. */
  private final class KeyGrant implements CallGrant {
    final Access.ClientKey key;
    private final Access.Scope scope;
    private final List<Glob> functions;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ReentrantLock bucketLock = new ReentrantLock();
    private double tokens;
    private long refilledNanos = System.nanoTime();
    /** Calls that took a rate token here since start. */
    final java.util.concurrent.atomic.AtomicLong admitted = new java.util.concurrent.atomic.AtomicLong();

    KeyGrant(Access.ClientKey key) {
      this.key = key;
      this.scope = key.scope();
      this.functions = key.functions().stream().map(Glob::of).collect(Collectors.toList());
      this.tokens = Math.max(1, key.ratePerSecond());
    }

    @Override
    public Error authorize(String function) {
      if (Glob.anyMatches(functions, function) || publicName(function)) {
        return null;
      }
      NodeAdmission.audit.warn("DENY call of '{}' with key '{}': outside its scope", function, key.name());
      return outOfScope(function);
    }

    private Error outOfScope(String function) {
      return Wire.error(ErrorCode.PERMISSION_DENIED, "Key '" + key.name() + "' may not call '" + function + "' (allowed: "
          + key.functions() + ").");
    }

    @Override
    public Error admit(String function, FunctionSpec spec) {
      if (!Glob.anyMatches(functions, function) && !isPublic(function, spec)) {
        NodeAdmission.audit.warn("DENY call of '{}' with key '{}': outside its scope", function, key.name());
        return outOfScope(function);
      }
      long retryAfter = takeRateToken();
      if (retryAfter > 0) {
        return Wire.error(ErrorCode.OVERLOADED, "Key '" + key.name() + "' is over its rate of " + key.ratePerSecond()
            + " calls/s; retry after " + retryAfter + " ms.").toBuilder().setRetryAfterMs(retryAfter).build();
      }
      if (key.maxConcurrent() > 0 && inFlight.incrementAndGet() > key.maxConcurrent()) {
        inFlight.decrementAndGet();
        return Wire.error(ErrorCode.OVERLOADED, "Key '" + key.name() + "' already has " + key.maxConcurrent()
            + " calls running; retry when one finishes.").toBuilder().setRetryAfterMs(100).build();
      }
      if (key.maxConcurrent() <= 0) {
        inFlight.incrementAndGet();
      }
      return null;
    }

    @Override
    public boolean mayCall(String function, FunctionSpec spec) {
      return Glob.anyMatches(functions, function) || isPublic(function, spec);
    }

    /** 0 when a call may start now, else milliseconds until one may. */
    private long takeRateToken() {
      if (key.ratePerSecond() <= 0) {
        return 0;
      }
      double rate = key.ratePerSecond();
      java.util.function.ToDoubleFunction<String> shared = sharedRates;
      if (shared != null) { // in a cluster the key's rate is shared: what the other gateways use of it lately is not available here
        rate = Math.min(rate, Math.max(rate * MIN_LOCAL_SHARE, shared.applyAsDouble(key.name())));
      }
      bucketLock.lock();
      try {
        long now = System.nanoTime();
        tokens = Math.min(Math.max(1, rate), tokens + (now - refilledNanos) / 1e9 * rate);
        refilledNanos = now;
        if (tokens >= 1) {
          tokens -= 1;
          admitted.incrementAndGet();
          return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / rate * 1000));
      } finally {
        bucketLock.unlock();
      }
    }

    @Override
    public void release() {
      inFlight.decrementAndGet();
    }

    @Override
    public String principal() {
      return key.name();
    }

    @Override
    public boolean maySee(String function, FunctionSpec spec) {
      return scope.includes(Access.Scope.READ) || publicStatus || Glob.anyMatches(functions, function) || isPublic(function, spec);
    }

    @Override
    public boolean may(Permission permission) {
      return switch (permission) {
        case LIST -> publicStatus || scope.includes(Access.Scope.READ);
        case MONITOR -> publicStatus || scope.includes(Access.Scope.ADMIN);
        case ADMINISTER -> scope.includes(Access.Scope.ADMIN);
      };
    }

    @Override
    public String idempotencyScope() {
      return "key:" + key.name();
    }
  }
}
