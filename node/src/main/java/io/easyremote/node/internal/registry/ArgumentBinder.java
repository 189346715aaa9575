package io.easyremote.node.internal.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.google.protobuf.ByteString;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Payload;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns a call's payload into Java arguments for one function: a JSON array binds by position, a
 * JSON object by parameter name, an empty payload means no arguments, a single JSON value fills
 * a one-parameter function, and a BINARY payload fills a single {@code byte[]} parameter. Every
 * mismatch names the function, the argument and what was wrong. The common case, an array with a
 * value per parameter, is read straight into the parameters' types without building a JSON tree
 * first (so a decimal bound to a {@code BigDecimal} keeps every digit, where a tree would hold a
 * double); anything else, or a value that does not fit, takes the general path, which binds it or
 * says what is wrong. Immutable and thread-safe.
 */
final class ArgumentBinder {
  private static final int MAX_SHOWN = 60;
  /** Payloads up to this size are parsed from a copy in one array, larger ones as a stream. */
  private static final int COPY_LIMIT = 64 * 1024;

  private final String function;
  private final List<ParameterInfo> parameters;
  private final ObjectReader[] readers;

  ArgumentBinder(String function, List<ParameterInfo> parameters) {
    this.function = function;
    this.parameters = List.copyOf(parameters);
    this.readers = this.parameters.stream().map(p -> Json.mapper().readerFor(p.type())).toArray(ObjectReader[]::new);
  }

  Object[] bind(Payload payload) throws InvalidArgumentsException {
    if (payload.getEncoding() == Encoding.BINARY) {
      if (parameters.size() == 1 && parameters.get(0).type().getRawClass() == byte[].class) {
        return new Object[] {payload.getData().toByteArray()};
      }
      throw new InvalidArgumentsException(function + " got raw bytes, but it does not take a single byte[] argument; expects "
          + signature() + ".");
    }
    if (payload.getData().isEmpty()) {
      if (parameters.isEmpty()) {
        return new Object[0];
      }
      throw arity(0);
    }
    Object[] positional = readPositional(payload.getData());
    if (positional != null) {
      return positional;
    }
    JsonNode tree;
    ObjectMapper mapper = Json.mapper();
    try {
      tree = mapper.readTree(payload.getData().newInput());
    } catch (IOException e) {
      String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new InvalidArgumentsException(function + ": arguments are not valid JSON: " + shorten(reason, 160));
    }
    if (tree == null || tree.isMissingNode()) {
      if (parameters.isEmpty()) {
        return new Object[0];
      }
      throw arity(0);
    }
    if (tree.isArray()) {
      if (tree.size() != parameters.size()) {
        throw arity(tree.size());
      }
      Object[] args = new Object[parameters.size()];
      for (int i = 0; i < args.length; i++) {
        args[i] = convert(tree.get(i), i);
      }
      return args;
    }
    if (tree.isObject() && !(parameters.size() == 1 && !parameters.get(0).type().isPrimitive() && !tree.has(parameters.get(0).name()))) {
      return bindNamed(tree);
    }
    if (parameters.size() == 1) {
      return new Object[] {convert(tree, 0)};
    }
    throw new InvalidArgumentsException(function + " expects " + signature()
        + " as a JSON array (by position) or object (by name), got " + describe(tree) + ".");
  }

  /**
   * The fast path: {@code data} is a JSON array of one value per parameter, none of them null, each
   * read straight into its parameter's type. Null for anything else (another shape, a null, a value
   * that does not fit, malformed JSON), which the general path then binds or explains.
   */
  private Object[] readPositional(ByteString data) {
    if (data.byteAt(0) != '[') {
      return null;
    }
    ObjectMapper mapper = Json.mapper();
    try (JsonParser parser = data.size() <= COPY_LIMIT ? mapper.createParser(data.toByteArray()) : mapper.createParser(data.newInput())) {
      parser.nextToken();
      Object[] args = new Object[readers.length];
      for (int i = 0; i < args.length; i++) {
        JsonToken token = parser.nextToken();
        if (token == null || token == JsonToken.END_ARRAY || token == JsonToken.VALUE_NULL) {
          return null;
        }
        args[i] = readers[i].readValue(parser);
      }
      return parser.nextToken() == JsonToken.END_ARRAY && parser.nextToken() == null ? args : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private Object[] bindNamed(JsonNode tree) throws InvalidArgumentsException {
    for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (parameters.stream().noneMatch(p -> p.name().equals(name))) {
        throw new InvalidArgumentsException(function + ": unknown argument '" + name + "'; parameters are " + signature() + ".");
      }
    }
    Object[] args = new Object[parameters.size()];
    for (int i = 0; i < args.length; i++) {
      ParameterInfo p = parameters.get(i);
      if (!tree.has(p.name())) {
        if (p.type().getRawClass() == java.util.Optional.class) {
          args[i] = java.util.Optional.empty();
          continue;
        }
        throw new InvalidArgumentsException(function + ": missing argument '" + p.name() + "' (" + p.typeName() + "); expects "
            + signature() + ".");
      }
      args[i] = convert(tree.get(p.name()), i);
    }
    return args;
  }

  private Object convert(JsonNode value, int index) throws InvalidArgumentsException {
    ParameterInfo p = parameters.get(index);
    if (value.isNull()) {
      if (p.type().isPrimitive()) {
        throw mismatch(index, value, null);
      }
      return p.type().getRawClass() == java.util.Optional.class ? java.util.Optional.empty() : null;
    }
    try {
      return Json.mapper().treeToValue(value, p.type());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw mismatch(index, value, e);
    }
  }

  private InvalidArgumentsException mismatch(int index, JsonNode value, Exception cause) {
    ParameterInfo p = parameters.get(index);
    String detail = "";
    if (cause instanceof JsonProcessingException j && j.getOriginalMessage() != null && !(p.type().isPrimitive() || isScalar(p))) {
      detail = " (" + shorten(j.getOriginalMessage(), 120) + ")";
    }
    return new InvalidArgumentsException(function + ": argument " + (index + 1) + " '" + p.name() + "' expects " + p.typeName()
        + ", got " + describe(value) + detail + ".");
  }

  private static boolean isScalar(ParameterInfo p) {
    Class<?> raw = p.type().getRawClass();
    return raw == String.class || Number.class.isAssignableFrom(raw) || raw == Boolean.class || raw == Character.class;
  }

  private InvalidArgumentsException arity(int got) {
    return new InvalidArgumentsException(function + " expects " + parameters.size() + " argument" + (parameters.size() == 1 ? "" : "s")
        + " " + signature() + ", got " + got + ".");
  }

  private String signature() {
    return parameters.stream().map(p -> p.typeName() + " " + p.name()).collect(Collectors.joining(", ", "(", ")"));
  }

  private static String describe(JsonNode value) {
    return shorten(value.toString(), MAX_SHOWN);
  }

  private static String shorten(String text, int max) {
    if (text == null) {
      return "";
    }
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }
}
