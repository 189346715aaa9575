package io.easyremote.gateway.internal.security;

import io.easyremote.gateway.Access;
import io.easyremote.gateway.internal.core.RegistrationException;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Hello;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a node may register: its token must be known, and the token's scope must cover
 * its node id and every function it offers. Rejections are audited, never with the token itself.
 */
public final class NodeAdmission {
  static final Logger audit = LoggerFactory.getLogger("io.easyremote.audit");

  /** The audit log: registrations, rejections and authorization failures; never secrets. */
  public static Logger audit() {
    return audit;
  }

  private final List<Access.NodeToken> tokens;
  private final List<Scope> scopes;

  public NodeAdmission(Access access) {
    this.tokens = access.nodeTokens();
    this.scopes = tokens.stream().map(t -> new Scope(t, t.functions().stream().map(Glob::of).collect(Collectors.toList()),
        t.nodeIds().stream().map(Glob::of).collect(Collectors.toList()))).collect(Collectors.toList());
  }

  private record Scope(Access.NodeToken token, List<Glob> functions, List<Glob> nodeIds) {}

  /**
   * The name of the token the node presented, or null when the gateway requires none.
   *
   * @throws RegistrationException UNAUTHENTICATED for a missing or unknown token, PERMISSION_DENIED
   *     naming the node id or function outside the token's scope
   */
  public String admit(Hello hello, String remote) throws RegistrationException {
    if (tokens.isEmpty()) {
      return null;
    }
    if (hello.getToken().isEmpty()) {
      audit.warn("REJECT node '{}' from {}: no token", hello.getNodeId(), remote);
      throw new RegistrationException(ErrorCode.UNAUTHENTICATED,
          "This gateway requires a node token: start the node with --token (or ComputeNode.builder().token(...)).");
    }
    String presented = Secrets.hash(hello.getToken());
    Scope scope = null;
    for (Scope s : scopes) {
      if (Secrets.sameHash(s.token().hash(), presented)) {
        scope = s;
      }
    }
    if (scope == null) {
      audit.warn("REJECT node '{}' from {}: unknown token", hello.getNodeId(), remote);
      throw new RegistrationException(ErrorCode.UNAUTHENTICATED, "The node token is not valid for this gateway.");
    }
    String token = scope.token().name();
    if (!Glob.anyMatches(scope.nodeIds(), hello.getNodeId())) {
      audit.warn("REJECT node '{}' from {}: token '{}' does not allow this node id", hello.getNodeId(), remote, token);
      throw new RegistrationException(ErrorCode.PERMISSION_DENIED,
          "Token '" + token + "' may not register node id '" + hello.getNodeId() + "' (allowed: " + scope.token().nodeIds() + ").");
    }
    for (FunctionSpec fn : hello.getFunctionsList()) {
      if (!Glob.anyMatches(scope.functions(), fn.getName())) {
        audit.warn("REJECT node '{}' from {}: token '{}' does not cover function '{}'", hello.getNodeId(), remote, token, fn.getName());
        throw new RegistrationException(ErrorCode.PERMISSION_DENIED,
            "Token '" + token + "' may not serve function '" + fn.getName() + "' (allowed: " + scope.token().functions() + ").");
      }
    }
    return token;
  }

  /**
   * Whether a function already served under {@code owner}'s token may also be served under
   * {@code newcomer}'s: only when both tokens' scopes name it, i.e. the operator shared it on purpose.
   */
  public boolean mayShare(String function, String owner, String newcomer) {
    if (owner == null || newcomer == null || owner.equals(newcomer)) {
      return owner == null ? newcomer == null : owner.equals(newcomer);
    }
    return covers(owner, function) && covers(newcomer, function);
  }

  private boolean covers(String token, String function) {
    for (Scope s : scopes) {
      if (s.token().name().equals(token) && s.token().functions().contains(function)) {
        return true;
      }
    }
    return false;
  }
}
