package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.Permission;
import io.easyremote.gateway.internal.credits.Billing;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.gateway.internal.security.Denials;
import io.easyremote.gateway.internal.security.NodeAdmission;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.store.Ledger;
import io.easyremote.store.LedgerError;
import io.easyremote.store.LedgerException;
import io.easyremote.store.Transfer;
import io.easyremote.store.UsageTable;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The credits routes ({@code docs/credits.md}):
 *
 * <ul>
 *   <li>{@code GET /api/account}: the caller's own account (available, reserved, granted, earned,
 *       spent, recent transfers); an admin may add {@code ?account=A};
 *   <li>{@code POST /api/admin/grant} {@code {"account", "amount", "id"?}}: admin only, mints
 *       credits to an account; {@code id} makes a retry safe;
 *   <li>{@code GET /api/usage?by=caller|node_account|function|node&from=&to=}: the caller's own
 *       usage (calls it made or served); an admin sees every account's, or one with {@code account}.
 * </ul>
 *
 * <p>Ledger refusals answer {@code INVALID_REQUEST} (400) with {@code "ledgerError"} naming the
 * refusal ({@code UNKNOWN_ACCOUNT}, {@code INVALID_AMOUNT}, {@code OVERFLOW}, ...); nothing of a
 * refused grant is written.
 */
public final class CreditRoutes {
  private static final int RECENT = 20;

  private final Billing billing;
  private final RestCalls calls;

  public CreditRoutes(Billing billing, RestCalls calls) {
    this.billing = billing;
    this.calls = calls;
  }

  /** Adds the routes (before the call routes, which they would otherwise look like). */
  public void addTo(ServerBuilder server, Function<HttpService, HttpService> small) {
    server.service("/api/account", small.apply((ctx, req) -> withGrant(ctx, req, grant -> account(ctx, grant))));
    server.service("/api/usage", small.apply((ctx, req) -> withGrant(ctx, req, grant -> usage(ctx, grant))));
    server.service("/api/admin/grant", small.apply((ctx, req) -> withGrant(ctx, req, grant -> grant(ctx, req, grant))));
  }

  private HttpResponse withGrant(ServiceRequestContext ctx, HttpRequest req, Function<CallGrant, HttpResponse> handler) {
    CallGrant grant;
    try {
      grant = calls.grantOf(ctx, req);
    } catch (CallerAuthentication.InvalidKeyException e) {
      return HttpErrors.response(ErrorCode.UNAUTHENTICATED, e.getMessage());
    }
    return handler.apply(grant);
  }

  /** The account the caller asks about: its own, or (admin only) the one named by {@code ?account=}. */
  private Object whichAccount(ServiceRequestContext ctx, CallGrant grant) {
    String asked = ctx.queryParam("account");
    String own = billing.accountOf(grant.principal());
    if (asked == null || asked.equals(own)) {
      if (own != null) {
        return own;
      }
      if (grant.principal() == null && !grant.may(Permission.ADMINISTER)) {
        return HttpErrors.response(ErrorCode.UNAUTHENTICATED, "Send Authorization: Bearer <key> to see your account.");
      }
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, grant.principal() == null
          ? "Name the account: ?account=NAME." : "Key '" + grant.principal() + "' has no credits account.");
    }
    if (!grant.may(Permission.ADMINISTER)) {
      deny(ctx, grant);
      return HttpErrors.response(Denials.error(grant, Permission.ADMINISTER));
    }
    return asked;
  }

  private HttpResponse account(ServiceRequestContext ctx, CallGrant grant) {
    if (ctx.method() != HttpMethod.GET) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Use GET /api/account.");
    }
    Object which = whichAccount(ctx, grant);
    if (which instanceof HttpResponse refusal) {
      return refusal;
    }
    String account = (String) which;
    return blocking(ctx, () -> {
      Optional<Ledger.Statement> statement = billing.ledger().statement(account, RECENT);
      if (statement.isEmpty()) {
        return ledgerError(LedgerError.UNKNOWN_ACCOUNT, "No account '" + account + "'.");
      }
      Ledger.Statement s = statement.get();
      ObjectNode json = Json.mapper().createObjectNode()
          .put("account", account)
          .put("available", s.account().available())
          .put("reserved", s.account().reserved())
          .put("granted", s.granted())
          .put("earned", s.earned())
          .put("spent", s.spent());
      ArrayNode recent = json.putArray("recent");
      for (Transfer t : s.recent()) {
        recent.addObject().put("id", t.id()).put("kind", t.kind().name()).put("debit", t.debitAccount())
            .put("credit", t.creditAccount()).put("amount", t.amount()).put("code", t.code()).put("at", t.createdAt());
      }
      return json(json);
    });
  }

  private HttpResponse usage(ServiceRequestContext ctx, CallGrant grant) {
    if (ctx.method() != HttpMethod.GET) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Use GET /api/usage.");
    }
    String account;
    if (grant.may(Permission.ADMINISTER)) {
      account = ctx.queryParam("account"); // null: every account
    } else {
      Object which = whichAccount(ctx, grant);
      if (which instanceof HttpResponse refusal) {
        return refusal;
      }
      account = (String) which;
    }
    UsageTable.By by;
    Instant from;
    Instant to;
    try {
      by = UsageTable.By.valueOf(Optional.ofNullable(ctx.queryParam("by")).orElse("function").toUpperCase(Locale.ROOT));
      from = Instant.parse(Optional.ofNullable(ctx.queryParam("from")).orElse("1970-01-01T00:00:00Z"));
      to = ctx.queryParam("to") == null ? Instant.now().plusSeconds(60) : Instant.parse(ctx.queryParam("to"));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Usage takes by=caller|node_account|function|node and ISO-8601 "
          + "from= and to= (2026-01-01T00:00:00Z).");
    }
    return blocking(ctx, () -> {
      ObjectNode json = Json.mapper().createObjectNode().put("by", by.name().toLowerCase(Locale.ROOT));
      if (account != null) {
        json.put("account", account);
      }
      ArrayNode rows = json.putArray("usage");
      for (UsageTable.Summary s : billing.usage().summary(by, account, from, to)) {
        rows.addObject().put("key", s.key()).put("calls", s.calls()).put("failed", s.failed()).put("executionMs", s.executionMs())
            .put("bytesIn", s.bytesIn()).put("bytesOut", s.bytesOut());
      }
      return json(json);
    });
  }

  private HttpResponse grant(ServiceRequestContext ctx, HttpRequest req, CallGrant grant) {
    if (!grant.may(Permission.ADMINISTER)) {
      deny(ctx, grant);
      return HttpErrors.response(Denials.error(grant, Permission.ADMINISTER));
    }
    if (req.method() != HttpMethod.POST) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Use POST /api/admin/grant with {\"account\": \"...\", \"amount\": N}.");
    }
    return HttpResponse.of(req.aggregate().thenCompose(body -> {
      JsonNode tree;
      try {
        tree = Json.mapper().readTree(body.contentUtf8());
      } catch (java.io.IOException e) {
        return CompletableFuture.completedFuture(HttpErrors.response(ErrorCode.INVALID_REQUEST,
            "The body must be JSON: {\"account\": \"...\", \"amount\": N}."));
      }
      JsonNode amountNode = tree == null ? null : tree.get("amount");
      String account = tree == null ? "" : tree.path("account").asText("");
      if (amountNode == null || !amountNode.isIntegralNumber()) {
        return CompletableFuture.completedFuture(ledgerError(LedgerError.INVALID_AMOUNT,
            "amount must be a whole number of credits in the smallest unit."));
      }
      if (!amountNode.canConvertToLong()) {
        return CompletableFuture.completedFuture(ledgerError(LedgerError.OVERFLOW, "amount does not fit in 64 bits."));
      }
      String id = tree.path("id").asText("grant-" + UUID.randomUUID());
      return billing.grant(id, account, amountNode.longValue()).handle((transfer, failure) -> {
        if (failure != null) {
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
          if (cause instanceof LedgerException le) {
            return ledgerError(le.error(), le.getMessage());
          }
          return HttpErrors.response(ErrorCode.UNAVAILABLE, "The ledger could not write the grant; nothing was granted: retry.");
        }
        NodeAdmission.audit().info("GRANT {} credits to '{}' by key '{}' (id {})", transfer.amount(), account,
            grant.principal() == null ? "-" : grant.principal(), id);
        return json(Json.mapper().createObjectNode().put("id", transfer.id()).put("account", account).put("amount", transfer.amount()));
      });
    }));
  }

  private static void deny(ServiceRequestContext ctx, CallGrant grant) {
    NodeAdmission.audit().warn("DENY {} {} from {} with key '{}'", ctx.method(), ctx.path(), ctx.clientAddress().getHostAddress(),
        grant.principal() == null ? "-" : grant.principal());
  }

  private static HttpResponse blocking(ServiceRequestContext ctx, Supplier<HttpResponse> work) {
    return HttpResponse.of(CompletableFuture.supplyAsync(work, ctx.blockingTaskExecutor()));
  }

  /** A ledger refusal: 400 INVALID_REQUEST (404 for an unknown account) with {@code ledgerError} naming it. */
  static HttpResponse ledgerError(LedgerError error, String message) {
    ObjectNode json = Json.mapper().createObjectNode()
        .put("code", ErrorCode.INVALID_REQUEST.name())
        .put("ledgerError", error.name())
        .put("message", message)
        .put("reachedNode", false);
    HttpStatus status = error == LedgerError.UNKNOWN_ACCOUNT ? HttpStatus.NOT_FOUND : HttpStatus.BAD_REQUEST;
    return HttpResponse.of(status, MediaType.JSON_UTF_8, HttpData.ofUtf8(json.toString()));
  }

  private static HttpResponse json(Object value) {
    try {
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, HttpData.wrap(Json.mapper().writeValueAsBytes(value)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return HttpErrors.response(ErrorCode.INTERNAL, "Cannot encode the response: " + e.getOriginalMessage());
    }
  }
}
