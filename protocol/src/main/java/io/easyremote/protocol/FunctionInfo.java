package io.easyremote.protocol;

import java.util.List;

/**
 * A function registered at the gateway, with the nodes that offer it.
 *
 * @param name the function name
 * @param description from {@link Remote#description()}
 * @param parameters its parameters in order
 * @param resultType the Java result type's name (informational)
 * @param resultSchema a JSON Schema of the result, as text
 * @param streaming whether it yields a stream of results
 * @param idempotent whether it may safely run twice
 * @param isPublic whether it may be called without a client key
 * @param nodeIds the nodes offering it now
 * @param queued calls waiting for a free node now
 */
public record FunctionInfo(
    String name,
    String description,
    List<Parameter> parameters,
    String resultType,
    String resultSchema,
    boolean streaming,
    boolean idempotent,
    boolean isPublic,
    List<String> nodeIds,
    int queued) {

  public FunctionInfo {
    parameters = List.copyOf(parameters);
    nodeIds = List.copyOf(nodeIds);
  }

  /**
   * One parameter.
   *
   * @param name the name (from {@code -parameters}; {@code arg0}... otherwise)
   * @param type the Java type's name
   * @param schema a JSON Schema, as text
   */
  public record Parameter(String name, String type, String schema) {}
}
