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
 * Who may register functions and who may call them. Node tokens authorise registration, scoped to
 * function names and node ids (globs); client keys authorise calls, scoped to function names, with
 * a rate and a concurrency limit; functions may be callable without a key when their node marks
 * them public <em>and</em> a public-function glob here allows it. Secrets are kept only as
 * {@code sha256:} hashes: generate them with {@code easyremote keygen}.
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
 * publicFunctions: ["status"]
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
   */
  public record NodeToken(String name, String hash, List<String> functions, List<String> nodeIds) {
    public NodeToken {
      Objects.requireNonNull(name, "name");
      hash = Secrets.toHash(Objects.requireNonNull(hash, "hash"));
      functions = List.copyOf(functions == null ? List.of("*") : functions);
      nodeIds = List.copyOf(nodeIds == null ? List.of("*") : nodeIds);
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
   */
  public record ClientKey(String name, String hash, List<String> functions, double ratePerSecond, int maxConcurrent) {
    public ClientKey {
      Objects.requireNonNull(name, "name");
      hash = Secrets.toHash(Objects.requireNonNull(hash, "hash"));
      functions = List.copyOf(functions == null ? List.of("*") : functions);
      if (ratePerSecond < 0 || maxConcurrent < 0) {
        throw new IllegalArgumentException("client key '" + name + "': limits must be >= 0");
      }
    }
  }

  private final List<NodeToken> nodeTokens;
  private final List<ClientKey> clientKeys;
  private final List<String> publicFunctions;

  private Access(List<NodeToken> nodeTokens, List<ClientKey> clientKeys, List<String> publicFunctions) {
    this.nodeTokens = List.copyOf(nodeTokens);
    this.clientKeys = List.copyOf(clientKeys);
    this.publicFunctions = List.copyOf(publicFunctions);
  }

  /** No credentials: anyone who reaches the gateway may register and call. Only allowed on loopback or with insecure. */
  public static Access open() {
    return new Access(List.of(), List.of(), List.of());
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
    return new Access(
        form.nodeTokens == null ? List.of() : form.nodeTokens,
        form.clientKeys == null ? List.of() : form.clientKeys,
        form.publicFunctions == null ? List.of() : form.publicFunctions);
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
  }

  /** Builds an {@link Access}. */
  public static final class Builder {
    private final List<NodeToken> nodeTokens = new ArrayList<>();
    private final List<ClientKey> clientKeys = new ArrayList<>();
    private final List<String> publicFunctions = new ArrayList<>();

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

    /** Allows functions matching these globs to be called without a key (their node must mark them public too). */
    public Builder publicFunctions(String... globs) {
      publicFunctions.addAll(List.of(globs));
      return this;
    }

    public Access build() {
      return new Access(nodeTokens, clientKeys, publicFunctions);
    }
  }
}
