package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.QueryParams;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Parameter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;

/**
 * Binds {@code GET /api/{function}?a=1&b=2} to a named-arguments JSON object, each value typed by
 * its parameter's JSON Schema ({@code integer}, {@code number}, {@code boolean}, {@code string}).
 * Only functions whose parameters are all such scalars can be called this way; the others need
 * a JSON body ({@code POST}).
 *
 * <p>The call options keep their query names ({@code timeout}, {@code strategy}, {@code require},
 * {@code maxCost}, {@code idempotencyKey}); a function with a parameter of one of those names is
 * called with POST.
 */
final class QueryArguments {
  /** Query names that are call options ({@link HttpOptions}), never arguments. */
  static final Set<String> OPTIONS = Set.of("timeout", "strategy", "require", "maxCost", "idempotencyKey");

  private QueryArguments() {}

  /** Why {@code spec} cannot be called with GET, or null when it can. */
  static String whyNotGettable(FunctionSpec spec) {
    for (Parameter parameter : spec.getParametersList()) {
      if (OPTIONS.contains(parameter.getName())) {
        return "its parameter '" + parameter.getName() + "' has the name of a call option";
      }
      if (scalarType(parameter) == null) {
        return "its parameter '" + parameter.getName() + "' is not a string, number or boolean";
      }
    }
    return null;
  }

  /**
   * The arguments as a JSON object.
   *
   * @throws IllegalArgumentException naming the argument, for an unknown, repeated or mistyped one
   */
  static ObjectNode bind(FunctionSpec spec, QueryParams query) {
    ObjectNode arguments = Json.mapper().createObjectNode();
    List<String> names = spec.getParametersList().stream().map(Parameter::getName).toList();
    for (String name : query.names()) {
      if (OPTIONS.contains(name)) {
        continue;
      }
      Parameter parameter = spec.getParametersList().stream().filter(p -> p.getName().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("'" + spec.getName() + "' has no parameter '" + name + "'; its parameters: "
              + (names.isEmpty() ? "none" : String.join(", ", names)) + "."));
      List<String> values = query.getAll(name);
      if (values.size() != 1) {
        throw new IllegalArgumentException("Argument '" + name + "' is given " + values.size() + " times; give it once.");
      }
      arguments.set(name, typed(name, scalarType(parameter), values.get(0)));
    }
    return arguments;
  }

  private static JsonNode typed(String name, String type, String text) {
    try {
      return switch (type) {
        case "integer" -> Json.mapper().getNodeFactory().numberNode(new BigInteger(text));
        case "number" -> Json.mapper().getNodeFactory().numberNode(new BigDecimal(text));
        case "boolean" -> switch (text) {
          case "true" -> Json.mapper().getNodeFactory().booleanNode(true);
          case "false" -> Json.mapper().getNodeFactory().booleanNode(false);
          default -> throw new NumberFormatException();
        };
        default -> Json.mapper().getNodeFactory().textNode(text);
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Argument '" + name + "' must be " + (type.equals("boolean") ? "true or false" : "an " + type)
          + ", got '" + text + "'.");
    }
  }

  /** The parameter's scalar JSON type ({@code integer}, {@code number}, {@code boolean}, {@code string}), or null. */
  static String scalarType(Parameter parameter) {
    JsonNode schema;
    try {
      schema = Json.mapper().readTree(parameter.getSchema());
    } catch (Exception e) {
      return null;
    }
    if (schema == null) {
      return null;
    }
    JsonNode type = schema.get("type");
    String name = null;
    if (type != null && type.isTextual()) {
      name = type.asText();
    } else if (type != null && type.isArray()) { // ["integer", "null"]: a nullable scalar
      for (JsonNode t : type) {
        if (!t.asText().equals("null")) {
          if (name != null) {
            return null;
          }
          name = t.asText();
        }
      }
    }
    return name != null && Set.of("integer", "number", "boolean", "string").contains(name) ? name : null;
  }
}
