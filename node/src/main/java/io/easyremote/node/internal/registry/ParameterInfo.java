package io.easyremote.node.internal.registry;

import com.fasterxml.jackson.databind.JavaType;

/**
 * One bindable parameter of a remote function.
 *
 * @param name the name (from {@code -parameters}; {@code argN} otherwise)
 * @param type the full generic type to convert JSON to
 * @param declared the declared Java type, for schema generation
 */
record ParameterInfo(String name, JavaType type, java.lang.reflect.Type declared) {
  /** A short, readable type name such as {@code List<Point>}. */
  String typeName() {
    return TypeNames.readable(type);
  }
}
