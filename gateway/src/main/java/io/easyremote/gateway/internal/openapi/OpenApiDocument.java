package io.easyremote.gateway.internal.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Version;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Parameter;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * An OpenAPI 3.1 document of the functions registered now: one {@code POST /api/{name}} per
 * function, with the parameters' and result's JSON Schemas as the nodes declared them, the
 * description from {@code @Remote}, and the error responses of the {@link ErrorCode} table.
 */
public final class OpenApiDocument {
  private static final ObjectMapper JSON = Json.mapper();

  private OpenApiDocument() {}

  /** Builds the document for these functions. */
  public static ObjectNode of(List<FunctionInfo> functions) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("openapi", "3.1.0");
    doc.putObject("info").put("title", "EasyRemote gateway").put("version", Version.CURRENT)
        .put("description", "Functions served by the nodes connected to this gateway. Arguments are a JSON array "
            + "(by position) or object (by name); the answer is the JSON result.");
    ObjectNode paths = doc.putObject("paths");
    for (FunctionInfo info : functions) {
      paths.set("/api/" + info.getSpec().getName(), JSON.createObjectNode().set("post", operation(info)));
    }
    ObjectNode components = doc.putObject("components");
    components.putObject("schemas").set("Error", errorSchema());
    components.putObject("responses").set("Error", JSON.createObjectNode()
        .put("description", "The call failed; code says why (see the ErrorCode table).")
        .set("content", jsonContent(JSON.createObjectNode().put("$ref", "#/components/schemas/Error"))));
    components.putObject("securitySchemes").putObject("clientKey").put("type", "http").put("scheme", "bearer");
    return doc;
  }

  private static ObjectNode operation(FunctionInfo info) {
    FunctionSpec spec = info.getSpec();
    ObjectNode op = JSON.createObjectNode();
    op.put("operationId", spec.getName().replaceAll("[^A-Za-z0-9_]", "_"));
    op.put("summary", spec.getDescription().isEmpty() ? spec.getName() : spec.getDescription());
    op.put("description", "Served by " + String.join(", ", info.getNodeIdsList()) + (spec.getIdempotent() ? "; idempotent" : "")
        + (spec.getStreaming() ? "; streams its results as Server-Sent Events" : "") + ".");
    op.putArray("tags").add(spec.getStreaming() ? "streaming" : "functions");
    ObjectNode request = op.putObject("requestBody");
    request.put("required", spec.getParametersCount() > 0);
    request.set("content", jsonContent(arguments(spec)));
    ObjectNode responses = op.putObject("responses");
    ObjectNode ok = responses.putObject("200");
    if (spec.getStreaming()) {
      ok.put("description", "Items as Server-Sent Events: 'item' events, then 'end' or 'error'.");
      ok.putObject("content").putObject("text/event-stream").putObject("schema").put("type", "string");
    } else {
      ok.put("description", "The result.");
      ok.set("content", jsonContent(schema(spec.getResultSchema())));
    }
    Set<Integer> statuses = new TreeSet<>();
    for (ErrorCode code : ErrorCode.values()) {
      statuses.add(code.httpStatus());
    }
    for (int status : statuses) {
      responses.putObject(String.valueOf(status)).put("$ref", "#/components/responses/Error");
    }
    return op;
  }

  /** Named arguments as an object, or positional ones as an array. */
  private static ObjectNode arguments(FunctionSpec spec) {
    ObjectNode named = JSON.createObjectNode().put("type", "object");
    ObjectNode properties = named.putObject("properties");
    ArrayNode required = named.putArray("required");
    ObjectNode positional = JSON.createObjectNode().put("type", "array");
    ArrayNode items = positional.putArray("prefixItems");
    for (Parameter p : spec.getParametersList()) {
      JsonNode schema = schema(p.getSchema());
      properties.set(p.getName(), schema);
      required.add(p.getName());
      items.add(schema);
    }
    named.put("additionalProperties", false);
    positional.put("minItems", spec.getParametersCount()).put("maxItems", spec.getParametersCount());
    ObjectNode either = JSON.createObjectNode();
    either.putArray("oneOf").add(named).add(positional);
    return either;
  }

  private static JsonNode schema(String text) {
    if (text == null || text.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      JsonNode node = JSON.readTree(text);
      return node != null && node.isObject() ? node : JSON.createObjectNode();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return JSON.createObjectNode();
    }
  }

  private static ObjectNode jsonContent(JsonNode schema) {
    ObjectNode content = JSON.createObjectNode();
    content.putObject("application/json").set("schema", schema);
    return content;
  }

  private static ObjectNode errorSchema() {
    ObjectNode error = JSON.createObjectNode().put("type", "object");
    ObjectNode props = error.putObject("properties");
    ArrayNode codes = props.putObject("code").put("type", "string").putArray("enum");
    for (ErrorCode code : ErrorCode.values()) {
      codes.add(code.name());
    }
    props.putObject("message").put("type", "string");
    props.putObject("nodeId").put("type", "string");
    props.putObject("retryAfterMs").put("type", "integer");
    props.putObject("remoteType").put("type", "string");
    props.putObject("reachedNode").put("type", "boolean");
    error.putArray("required").add("code").add("message");
    return error;
  }
}
