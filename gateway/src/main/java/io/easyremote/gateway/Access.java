package io.easyremote.gateway;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.easyremote.gateway.internal.security.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who may do what on a gateway. Node tokens authorise registration, scoped to function names and
 * node ids (globs); client keys authorise calls, scoped to function names, with a rate and a
 * concurrency limit, and carry {@linkplain Scope scopes} for everything that is not a call:
 * {@code read} for listings (nodes, node details, every function, OpenAPI), {@code admin} for
 * operator views (dashboard, recent calls, metrics) and operations (drain, releasing names).
 * Functions may be called without a key when their node marks them public <em>and</em> a
 * public-function glob here allows it. Secrets are kept only as {@code sha256:} hashes: generate
 * them with {@code easyremote keygen}. The full table is in {@code docs/security.md}.
 *
 * <pre>{@code
 * # gateway.yaml
 * nodeTokens:
 *   - name: gpu-box
 *     hash: sha256:9f86d0...
 *     functions: ["math.*", "embed"]
 *     nodeIds: ["gpu-*"]
 * clientKeys:
 *   - name: analytics
 *     hash: sha256:2c26b4...
 *     functions: ["math.*"]
 *     ratePerSecond: 50
 *     maxConcurrent: 8
 *   - name: ops
 *     hash: sha256:5e8848...
 *     functions: []
 *     scopes: [admin]
 *     account: operator      # credits account (default: the key's or token's name)
 * publicFunctions: ["status"]
 * publicStatus: false        # true: anyone may read listings, the dashboard and metrics (never drain)
 * quotas:                    # per credits account (docs/credits.md); 0 or absent = no limit
 *   analytics: {callsPerMinute: 600, callsPerDay: 100000, executionSecondsPerDay: 3600}
 *   gpu-box: {servesOthersSecondsPerDay: 7200}   # its nodes serve other accounts at most 2 hours a day
 * }</pre>
 *
 * <p>Values may reference environment variables as {@code ${NAME}}. Immutable and thread-safe.
 */
public final class Access {
  private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  /**
   * A node token.
   *
   * @param name a label for logs and ownership (never the secret)
   * @param hash the secret's {@code sha256:} hash
   * @param functions globs of the function names nodes with this token may serve
   * @param nodeIds globs of the node ids they may use
   * @param account the credits account its nodes' earnings go to; default the token's name (null when that is not a valid
   *     account name: its functions cannot have a price)
   */
  public record NodeToken(String name, String hash, List<String> functions, List<String> nodeIds, String account) {
    public NodeToken {
      Objects.requireNonNull(name, "name");
      hash = Secrets.toHash(Objects.requireNonNull(hash, "hash"));
      functions = List.copyOf(functions == null ? List.of("*") : functions);
      nodeIds = List.copyOf(nodeIds == null ? List.of("*") : nodeIds);
      account = account == null ? defaultAccount(name) : checkAccount(account, "node token '" + name + "'");
    }

    /** A token whose account is its name. */
    public NodeToken(String name, String hash, List<String> functions, List<String> nodeIds) {
      this(name, hash, functions, nodeIds, null);
    }
  }

  private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /** The name as an account when it is a valid one, else null (no account: paid calls are refused). */
  private static String defaultAccount(String name) {
    return ACCOUNT.matcher(name).matches() && !name.equals("mint") && !name.equals("clearing") ? name : null;
  }

  /**
   * Checks a credits account name: 1-128 letters, digits, {@code . _ -}; not a system account
   * ({@code mint}, {@code clearing}).
   *
   * @throws IllegalArgumentException naming {@code owner} and what is wrong
   */
  public static String checkAccount(String account, String owner) {
    if (!ACCOUNT.matcher(account).matches()) {
      throw new IllegalArgumentException(owner + ": account '" + (account.length() > 64 ? account.substring(0, 64) + "..." : account)
          + "' must be 1-128 letters, digits, '.', '_' or '-' (set account: explicitly when the name has other characters)");
    }
    if (account.equals("mint") || account.equals("clearing")) {
      throw new IllegalArgumentException(owner + ": account '" + account + "' is a system account of the ledger; choose another");
    }
    return account;
  }

  /**
   * What a client key may do besides calling the functions its globs name. Higher scopes include
   * lower ones: {@code admin} may read too.
   */
  public enum Scope {
    /** Call the functions the key's globs name; list only those. Every key has it. */
    CALL,
    /** Also list every node and function, see node details and the whole OpenAPI document. */
    READ,
    /** Also the operator views (dashboard, recent calls, metrics) and operations (drain, release names). */
    ADMIN;

    /** Parses {@code call}, {@code read} or {@code admin} (any case). */
    @com.fasterxml.jackson.annotation.JsonCreator
    public static Scope parse(String text) {
      for (Scope scope : values()) {
        if (scope.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
          return scope;
        }
      }
      throw new IllegalArgumentException("Unknown scope '" + text + "': use call, read or admin");
    }

    /** Whether a key with this scope may do what {@code needed} allows. */
    public boolean includes(Scope needed) {
      return compareTo(needed) >= 0;
    }
  }

  /**
   * A client key.
   *
   * @param name a label for logs (never the secret)
   * @param hash the secret's {@code sha256:} hash
   * @param functions globs of the functions it may call
   * @param ratePerSecond calls per second allowed (bursts up to one second's worth); 0 = unlimited
   * @param maxConcurrent calls at once allowed; 0 = unlimited
   * @param scopes what else it may do; default {@code [call]}
   * @param account the credits account its calls are paid from; default the key's name (null when that is not a valid
   *     account name: it cannot make paid calls)
   */
  public record ClientKey(String name, String hash, List<String> functions, double ratePerSecond, int maxConcurrent,
      List<Scope> scopes, String account) {
    public ClientKey {
      Objects.requireNonNull(name, "name");
      hash = Secrets.toHash(Objects.requireNonNull(hash, "hash"));
      functions = List.copyOf(functions == null ? List.of("*") : functions);
      scopes = List.copyOf(scopes == null || scopes.isEmpty() ? List.of(Scope.CALL) : scopes);
      if (!(ratePerSecond >= 0) || maxConcurrent < 0 || Double.isInfinite(ratePerSecond)) {
        throw new IllegalArgumentException("client key '" + name + "': limits must be finite and >= 0");
      }
      account = account == null ? defaultAccount(name) : checkAccount(account, "client key '" + name + "'");
    }

    /** A key whose account is its name. */
    public ClientKey(String name, String hash, List<String> functions, double ratePerSecond, int maxConcurrent, List<Scope> scopes) {
      this(name, hash, functions, ratePerSecond, maxConcurrent, scopes, null);
    }

    /** A key with the {@code call} scope only. */
    public ClientKey(String name, String hash, List<String> functions, double ratePerSecond, int maxConcurrent) {
      this(name, hash, functions, ratePerSecond, maxConcurrent, List.of(Scope.CALL));
    }

    /** The highest scope the key holds. */
    public Scope scope() {
      Scope best = Scope.CALL;
      for (Scope s : scopes) {
        if (s.includes(best)) {
          best = s;
        }
      }
      return best;
    }
  }

  private final List<NodeToken> nodeTokens;
  private final List<ClientKey> clientKeys;
  private final List<String> publicFunctions;
  private final boolean publicStatus;
  private final java.util.Map<String, Quota> quotas;

  /**
   * One account's quotas (docs/credits.md). Each is a limit per fixed window (a UTC second, minute
   * or day); 0 means no limit.
   *
   * @param callsPerSecond calls the account's keys may start per second
   * @param callsPerMinute calls per minute
   * @param callsPerDay calls per day
   * @param executionSecondsPerDay seconds of execution its calls may use per day (checked when a call starts)
   * @param servesOthersSecondsPerDay seconds of execution the account's nodes may serve other accounts per day
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Quota(long callsPerSecond, long callsPerMinute, long callsPerDay, long executionSecondsPerDay,
      long servesOthersSecondsPerDay) {
    public Quota {
      if (callsPerSecond < 0 || callsPerMinute < 0 || callsPerDay < 0 || executionSecondsPerDay < 0 || servesOthersSecondsPerDay < 0) {
        throw new IllegalArgumentException("quotas must be 0 (no limit) or positive: " + this);
      }
    }

    /** Whether any limit is set. */
    public boolean limits() {
      return callsPerSecond > 0 || callsPerMinute > 0 || callsPerDay > 0 || executionSecondsPerDay > 0 || servesOthersSecondsPerDay > 0;
    }
  }

  private Access(List<NodeToken> nodeTokens, List<ClientKey> clientKeys, List<String> publicFunctions, boolean publicStatus) {
    this(nodeTokens, clientKeys, publicFunctions, publicStatus, java.util.Map.of());
  }

  private Access(List<NodeToken> nodeTokens, List<ClientKey> clientKeys, List<String> publicFunctions, boolean publicStatus,
      java.util.Map<String, Quota> quotas) {
    for (var e : quotas.entrySet()) {
      checkAccount(e.getKey(), "quotas");
      Objects.requireNonNull(e.getValue(), "quotas of '" + e.getKey() + "'");
    }
    this.quotas = java.util.Map.copyOf(quotas);
    this.nodeTokens = List.copyOf(nodeTokens);
    this.clientKeys = List.copyOf(clientKeys);
    this.publicFunctions = List.copyOf(publicFunctions);
    this.publicStatus = publicStatus;
    java.util.Set<String> names = new java.util.HashSet<>();
    for (ClientKey key : clientKeys) {
      if (!names.add(key.name())) {
        throw new IllegalArgumentException("Two client keys are named '" + key.name() + "': names must be unique");
      }
    }
  }

  /** No credentials: anyone who reaches the gateway may register and call. Only allowed on loopback or with insecure. */
  public static Access open() {
    return new Access(List.of(), List.of(), List.of(), false);
  }

  /** Starts an access configuration. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a YAML file as in the example above.
   *
   * @throws IOException if it cannot be read or parsed; the message names the file
   */
  public static Access fromYaml(Path file) throws IOException {
    String text = expandEnvironment(Files.readString(file));
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    FileForm form;
    try {
      form = yaml.readValue(text, FileForm.class);
    } catch (IOException e) {
      throw new IOException("Cannot read access configuration " + file + ": " + e.getMessage(), e);
    }
    if (form == null) {
      return open();
    }
    try {
      return new Access(
          form.nodeTokens == null ? List.of() : form.nodeTokens,
          form.clientKeys == null ? List.of() : form.clientKeys,
          form.publicFunctions == null ? List.of() : form.publicFunctions,
          form.publicStatus,
          form.quotas == null ? java.util.Map.of() : form.quotas);
    } catch (IllegalArgumentException e) {
      throw new IOException("Cannot read access configuration " + file + ": " + e.getMessage(), e);
    }
  }

  private static String expandEnvironment(String text) {
    Matcher m = ENV.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = System.getenv(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException("Environment variable " + m.group(1) + " is referenced but not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A new random secret for a node token or client key (256 bits, URL-safe). Show it once; store only {@link #hash}. */
  public static String newSecret() {
    return Secrets.newSecret();
  }

  /** The stored form of a secret: {@code sha256:<hex>}, what gateway.yaml holds. */
  public static String hash(String secret) {
    return Secrets.hash(secret);
  }

  /** Node tokens; empty means nodes register without one. */
  public List<NodeToken> nodeTokens() {
    return nodeTokens;
  }

  /** Client keys; empty means every function may be called without a key. */
  public List<ClientKey> clientKeys() {
    return clientKeys;
  }

  /** Globs of functions that may be called without a key, when their node marks them public. */
  public List<String> publicFunctions() {
    return publicFunctions;
  }

  /**
   * Whether anyone may read the listings, node details, OpenAPI, dashboard and metrics without a
   * key (never drain or other operations). Without client keys everything is public anyway.
   */
  public boolean publicStatus() {
    return publicStatus;
  }

  /** The credits account of the client key named {@code keyName}, or null when there is no such key. */
  public String keyAccount(String keyName) {
    for (ClientKey key : clientKeys) {
      if (key.name().equals(keyName)) {
        return key.account();
      }
    }
    return null;
  }

  /** The credits account of the node token named {@code tokenName}, or null when there is no such token. */
  public String tokenAccount(String tokenName) {
    for (NodeToken token : nodeTokens) {
      if (token.name().equals(tokenName)) {
        return token.account();
      }
    }
    return null;
  }

  /** Every account named by a key or a token, in order, without repeats. */
  public List<String> accounts() {
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
    clientKeys.stream().map(ClientKey::account).filter(Objects::nonNull).forEach(all::add);
    nodeTokens.stream().map(NodeToken::account).filter(Objects::nonNull).forEach(all::add);
    return List.copyOf(all);
  }

  /** The quotas of a credits account, or null when it has none. */
  public Quota quota(String account) {
    return account == null ? null : quotas.get(account);
  }

  /** Whether any account has a quota. */
  public boolean hasQuotas() {
    return quotas.values().stream().anyMatch(Quota::limits);
  }

  /** Whether both nodes and callers must present credentials. */
  public boolean isClosed() {
    return !nodeTokens.isEmpty() && !clientKeys.isEmpty();
  }

  /** The YAML file's shape. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  private static final class FileForm {
    public List<NodeToken> nodeTokens;
    public List<ClientKey> clientKeys;
    public List<String> publicFunctions;
    public boolean publicStatus;
    public java.util.Map<String, Quota> quotas;
  }

  /** Builds an {@link Access}. */
  public static final class Builder {
    private final List<NodeToken> nodeTokens = new ArrayList<>();
    private final List<ClientKey> clientKeys = new ArrayList<>();
    private final List<String> publicFunctions = new ArrayList<>();
    private boolean publicStatus;
    private final java.util.Map<String, Quota> quotas = new java.util.LinkedHashMap<>();

    /** Sets the quotas of a credits account (see {@link Quota}). */
    public Builder quota(String account, Quota quota) {
      quotas.put(checkAccount(account, "quotas"), Objects.requireNonNull(quota, "quota"));
      return this;
    }

    private Builder() {}

    /** Adds a node token; {@code hashOrSecret} is a {@code sha256:} hash, or a secret that is hashed now. */
    public Builder nodeToken(String name, String hashOrSecret, List<String> functions, List<String> nodeIds) {
      nodeTokens.add(new NodeToken(name, hashOrSecret, functions, nodeIds));
      return this;
    }

    /** Adds a client key; {@code hashOrSecret} as for {@link #nodeToken}. */
    public Builder clientKey(String name, String hashOrSecret, List<String> functions, double ratePerSecond, int maxConcurrent) {
      clientKeys.add(new ClientKey(name, hashOrSecret, functions, ratePerSecond, maxConcurrent));
      return this;
    }

    /** Adds a client key with the given scopes (see {@link Scope}); {@code hashOrSecret} as for {@link #nodeToken}. */
    public Builder clientKey(String name, String hashOrSecret, List<String> functions, double ratePerSecond, int maxConcurrent,
        Scope... scopes) {
      clientKeys.add(new ClientKey(name, hashOrSecret, functions, ratePerSecond, maxConcurrent, List.of(scopes)));
      return this;
    }

    /** Adds a node token whose nodes' earnings go to {@code account}. */
    public Builder nodeToken(String name, String hashOrSecret, List<String> functions, List<String> nodeIds, String account) {
      nodeTokens.add(new NodeToken(name, hashOrSecret, functions, nodeIds, account));
      return this;
    }

    /** Adds a client key whose calls are paid from {@code account}, with the given scopes. */
    public Builder clientKey(String name, String hashOrSecret, List<String> functions, double ratePerSecond, int maxConcurrent,
        String account, Scope... scopes) {
      clientKeys.add(new ClientKey(name, hashOrSecret, functions, ratePerSecond, maxConcurrent, List.of(scopes), account));
      return this;
    }

    /** Adds an operator key: {@code admin} scope, no functions of its own to call (add globs with {@link #clientKey}). */
    public Builder adminKey(String name, String hashOrSecret) {
      return clientKey(name, hashOrSecret, List.of(), 0, 0, Scope.ADMIN);
    }

    /** Lets anyone read listings, node details, OpenAPI, the dashboard and metrics without a key; default false. */
    public Builder publicStatus(boolean publicStatus) {
      this.publicStatus = publicStatus;
      return this;
    }

    /** Allows functions matching these globs to be called without a key (their node must mark them public too). */
    public Builder publicFunctions(String... globs) {
      publicFunctions.addAll(List.of(globs));
      return this;
    }

    /** An immutable {@link Access}; throws IllegalArgumentException for two keys with one name. */
    public Access build() {
      return new Access(nodeTokens, clientKeys, publicFunctions, publicStatus, quotas);
    }
  }
}
