package io.easyremote.gateway.internal.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.Version;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Parameter;
import io.easyremote.protocol.wire.Visibility;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * An OpenAPI 3.1 document of the functions registered now, built as a Jackson tree: one
 * {@code POST /api/{name}} per function whose request body is an object of the named parameters
 * (titled {@code "<function> arguments"}), each parameter's schema being the JSON Schema its node
 * declared with the number widths of its Java type ({@code int32}, {@code int64}, {@code float},
 * {@code double}); the {@code 200} response carries the result schema (or
 * {@code text/event-stream} for a streaming function); every error status of the
 * {@link ErrorCode} table refers to one shared {@code Error} schema. Call options (timeout,
 * strategy, requirements, idempotency key) are shared parameters. Every operation states its
 * security: {@code []} when no key is needed (a public function, or a gateway without keys), the
 * {@code clientKey} bearer scheme otherwise. The gateway also accepts the arguments as a JSON array
 * by position; the document leaves that out, so client generators see one plain object.
 * Stateless; build one per request.
 */
public final class OpenApiDocument {
  private static final ObjectMapper JSON = Json.mapper();
  private static final String ERROR_RESPONSE = "#/components/responses/Error";

  private OpenApiDocument() {}

  /** Builds the document for these functions (as {@code ListFunctions} reports them), for a gateway without keys. */
  public static ObjectNode of(List<FunctionInfo> functions) {
    return of(functions, null, name -> false);
  }

  /**
   * Builds the document for these functions.
   *
   * @param serverUrl the gateway's URL as the caller reached it ({@code http://host:port}), or null for none
   * @param needsKey whether a caller without a client key would be refused a function (by name)
   */
  public static ObjectNode of(List<FunctionInfo> functions, String serverUrl, java.util.function.Predicate<String> needsKey) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("openapi", "3.1.0");
    ObjectNode about = doc.putObject("info").put("title", "EasyRemote gateway").put("version", Version.CURRENT)
        .put("description", "Functions served by the compute nodes connected to this gateway, as of this request. "
            + "Send the arguments as a JSON object by name (an array by position is accepted too); the answer is the JSON result. "
            + "Functions whose parameters are all strings, numbers or booleans can also be called with GET and the arguments "
            + "in the query. Errors are JSON objects whose code is an EasyRemote ErrorCode.");
    about.putObject("license").put("name", "Apache-2.0").put("identifier", "Apache-2.0");
    if (serverUrl != null) {
      doc.putArray("servers").addObject().put("url", serverUrl).put("description", "This gateway");
    }
    ObjectNode components = JSON.createObjectNode();
    ObjectNode schemas = components.putObject("schemas");
    schemas.set("Error", errorSchema());
    ObjectNode paths = doc.putObject("paths");
    for (FunctionInfo info : functions) {
      ObjectNode op = operation(info, new SchemaImport(schemas, info.getSpec().getName()));
      ArrayNode security = op.putArray("security");
      if (needsKey.test(info.getSpec().getName())) {
        security.addObject().putArray("clientKey");
      }
      paths.putObject("/api/" + info.getSpec().getName()).set("post", op);
    }
    components.putObject("responses").set("Error", JSON.createObjectNode()
        .put("description", "The call failed; `code` says why and whether a retry can help.")
        .set("content", jsonContent(ref("#/components/schemas/Error"))));
    components.set("parameters", optionParameters());
    components.putObject("securitySchemes").putObject("clientKey").put("type", "http").put("scheme", "bearer")
        .put("description", "A client key, when the gateway requires one (public functions need none).");
    doc.set("components", components);
    return doc;
  }

  private static ObjectNode operation(FunctionInfo info, SchemaImport schemas) {
    FunctionSpec spec = info.getSpec();
    ObjectNode op = JSON.createObjectNode();
    op.put("operationId", spec.getName().replaceAll("[^A-Za-z0-9_]", "_"));
    String title = spec.getName().replaceAll("[^A-Za-z0-9_]", "_");
    op.put("summary", spec.getDescription().isEmpty() ? spec.getName() : spec.getDescription());
    StringBuilder description = new StringBuilder("Served by ").append(String.join(", ", info.getNodeIdsList())).append('.');
    if (spec.getIdempotent()) {
      description.append(" Idempotent: safe to retry.");
    }
    if (spec.getVisibility() == Visibility.PUBLIC) {
      description.append(" Public: callable without a client key.");
    }
    if (spec.getStreaming()) {
      description.append(" Streams its results as Server-Sent Events: send `Accept: text/event-stream` (or POST to /api/")
          .append(spec.getName()).append("/stream); `item` events carry the items, then `end` or `error`.");
    }
    op.put("description", description.toString());
    op.putArray("tags").add(spec.getStreaming() ? "streaming functions" : "functions");
    ArrayNode parameters = op.putArray("parameters");
    for (String option : new String[] {"timeout", "timeoutHeader", "strategy", "require", "maxCost", "idempotencyKey"}) {
      parameters.add(ref("#/components/parameters/" + option));
    }
    ObjectNode request = op.putObject("requestBody");
    request.put("required", spec.getParametersCount() > 0);
    ObjectNode requestContent = request.putObject("content");
    requestContent.putObject("application/json").set("schema", arguments(spec, schemas, title));
    if (spec.getParametersCount() == 1 && spec.getParameters(0).getType().equals("byte[]")) {
      requestContent.putObject("application/octet-stream").putObject("schema").put("type", "string").put("contentMediaType",
          "application/octet-stream");
    }
    ObjectNode responses = op.putObject("responses");
    ObjectNode ok = responses.putObject("200");
    if (spec.getStreaming()) {
      ok.put("description", "Server-Sent Events: one `item` event per item (data = the item's JSON, described by "
          + "x-item-schema), then `end` (data {\"count\": N}) or `error` (data = an Error).");
      ObjectNode events = ok.putObject("content").putObject("text/event-stream");
      events.putObject("schema").put("type", "string");
      events.set("x-item-schema", Formats.withFormat(schemas.parse(spec.getResultSchema()), spec.getResultType()));
    } else {
      ok.put("description", "The result.");
      if (spec.getResultType().equals("byte[]")) {
        ok.putObject("content").putObject("application/octet-stream").putObject("schema").put("type", "string")
            .put("contentMediaType", "application/octet-stream");
      } else {
        ok.set("content", jsonContent(titled(Formats.withFormat(schemas.parse(spec.getResultSchema()), spec.getResultType()),
            title + " result")));
      }
      ok.putObject("headers").putObject("X-EasyRemote-Node").put("description", "The node that served the call.")
          .putObject("schema").put("type", "string");
    }
    Set<Integer> statuses = new TreeSet<>();
    for (ErrorCode code : ErrorCode.values()) {
      statuses.add(code.httpStatus());
    }
    for (int status : statuses) {
      responses.set(String.valueOf(status), ref(ERROR_RESPONSE));
    }
    return op;
  }

  /**
   * The arguments as an object by name, titled after the function so that generators name one
   * model per function ({@code AddArguments}). The gateway also takes them as an array by
   * position; describing both with {@code oneOf} made generators emit code that does not compile.
   */
  private static ObjectNode arguments(FunctionSpec spec, SchemaImport schemas, String title) {
    ObjectNode named = JSON.createObjectNode().put("type", "object").put("title", title + " arguments");
    ObjectNode properties = named.putObject("properties");
    ArrayNode required = named.putArray("required");
    for (Parameter p : spec.getParametersList()) {
      properties.set(p.getName(), Formats.withFormat(schemas.parse(p.getSchema()), p.getType()));
      required.add(p.getName());
    }
    named.put("additionalProperties", false);
    return named;
  }

  /** An object result gets a title naming its function, so generators name one model per function. */
  private static JsonNode titled(JsonNode schema, String title) {
    if (schema instanceof ObjectNode object && "object".equals(object.path("type").asText()) && !object.has("title")) {
      object.put("title", title);
    }
    return schema;
  }

  private static ObjectNode optionParameters() {
    ObjectNode parameters = JSON.createObjectNode();
    String durations = "500ms, 5s, 1m, 1h or ISO-8601 (PT5S)";
    parameters.set("timeout", parameter("timeout", "query", "The call's deadline: " + durations + ". Default: the gateway's.",
        stringWithExample("5s")));
    parameters.set("timeoutHeader", parameter("X-EasyRemote-Timeout", "header", "The deadline, as a header (" + durations + ").",
        JSON.createObjectNode().put("type", "string")));
    ObjectNode strategy = JSON.createObjectNode().put("type", "string");
    ArrayNode names = strategy.putArray("enum");
    for (Strategy s : Strategy.values()) {
      names.add(s.wireName());
    }
    parameters.set("strategy", parameter("strategy", "query", "How to choose the node.", strategy));
    ObjectNode require = JSON.createObjectNode().put("type", "array");
    require.putObject("items").put("type", "string").put("pattern", "^[^=]+=.*$");
    parameters.set("require", parameter("require", "query", "Node labels required, as label=value (value * = present); repeatable.",
        require).put("explode", true));
    parameters.set("maxCost", parameter("maxCost", "query", "The most a node may cost per call.",
        JSON.createObjectNode().put("type", "number").put("minimum", 0)));
    parameters.set("idempotencyKey", parameter("idempotencyKey", "query",
        "Repeats with the same key within 10 minutes get the first call's outcome (also as header Idempotency-Key).",
        JSON.createObjectNode().put("type", "string")));
    return parameters;
  }

  private static ObjectNode parameter(String name, String in, String description, ObjectNode schema) {
    ObjectNode p = JSON.createObjectNode().put("name", name).put("in", in).put("required", false).put("description", description);
    p.set("schema", schema);
    return p;
  }

  private static ObjectNode errorSchema() {
    ObjectNode error = JSON.createObjectNode().put("type", "object");
    ObjectNode props = error.putObject("properties");
    ArrayNode codes = props.putObject("code").put("type", "string").putArray("enum");
    for (ErrorCode code : ErrorCode.values()) {
      codes.add(code.name());
    }
    props.putObject("message").put("type", "string");
    props.putObject("nodeId").put("type", "string").put("description", "The node involved, when one was.");
    props.putObject("retryAfterMs").put("type", "integer").put("description", "For OVERLOADED: when to try again; for QUOTA_EXCEEDED: when the window frees up.");
    props.putObject("remoteType").put("type", "string").put("description", "For FUNCTION_FAILED: the exception's class.");
    props.putObject("reachedNode").put("type", "boolean").put("description", "Whether the function may have run.");
    error.putArray("required").add("code").add("message");
    return error;
  }

  private static ObjectNode stringWithExample(String example) {
    ObjectNode schema = JSON.createObjectNode().put("type", "string");
    schema.putArray("examples").add(example);
    return schema;
  }

  private static ObjectNode ref(String target) {
    return JSON.createObjectNode().put("$ref", target);
  }

  private static ObjectNode jsonContent(JsonNode schema) {
    ObjectNode content = JSON.createObjectNode();
    content.putObject("application/json").set("schema", schema);
    return content;
  }
}
