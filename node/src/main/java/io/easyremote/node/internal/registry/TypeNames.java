package io.easyremote.node.internal.registry;

import com.fasterxml.jackson.databind.JavaType;

/** Readable type names for messages: {@code int}, {@code List<Point>}, {@code Map<String, Integer>}. */
final class TypeNames {
  private TypeNames() {}

  static String readable(JavaType type) {
    StringBuilder out = new StringBuilder(type.getRawClass().getSimpleName());
    if (type.containedTypeCount() > 0 && !type.isArrayType()) {
      out.append('<');
      for (int i = 0; i < type.containedTypeCount(); i++) {
        if (i > 0) {
          out.append(", ");
        }
        out.append(readable(type.containedType(i)));
      }
      out.append('>');
    }
    return out.toString();
  }
}
