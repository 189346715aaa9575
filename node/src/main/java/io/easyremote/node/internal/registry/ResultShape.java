package io.easyremote.node.internal.registry;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Iterator;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/** What a function's return value (or Emitter parameter) means on the wire. */
public enum ResultShape {
  /** One JSON value. */
  VALUE,
  /** {@code void}: answers JSON {@code null}. */
  VOID,
  /** {@code byte[]}: answers raw BINARY bytes. */
  BYTES,
  /** A {@link Stream}, {@link Iterator}, {@link Iterable} or {@link Flow.Publisher} of items. */
  STREAM,
  /** Items are written to an {@code Emitter} parameter. */
  EMITTER;

  /** The shape of a method's return type. */
  static ResultShape ofReturn(Class<?> raw) {
    if (raw == void.class || raw == Void.class) {
      return VOID;
    }
    if (raw == byte[].class) {
      return BYTES;
    }
    if (Stream.class.isAssignableFrom(raw) || Iterator.class.isAssignableFrom(raw) || Flow.Publisher.class.isAssignableFrom(raw)
        || (Iterable.class.isAssignableFrom(raw) && !java.util.Collection.class.isAssignableFrom(raw))) {
      return STREAM;
    }
    return VALUE;
  }

  /** The item type of a streaming return type or Emitter, or Object when it is raw. */
  static Type itemType(Type generic) {
    if (generic instanceof ParameterizedType p && p.getActualTypeArguments().length == 1) {
      return p.getActualTypeArguments()[0];
    }
    return Object.class;
  }
}
