package io.easyremote.protocol;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * Captures a generic type such as {@code List<Point>} so a result can be converted to it.
 *
 * <pre>{@code
 * List<Point> points = client.call("points", new TypeRef<List<Point>>() {});
 * }</pre>
 *
 * @param <T> the type captured
 */
public abstract class TypeRef<T> {
  private final Type type;

  /** Subclass anonymously with the type argument to capture. */
  protected TypeRef() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType)) {
      throw new IllegalStateException("TypeRef must be created with a type argument: new TypeRef<List<X>>() {}");
    }
    this.type = ((ParameterizedType) superclass).getActualTypeArguments()[0];
  }

  /** The captured type. */
  public Type type() {
    return type;
  }

  @Override
  public String toString() {
    return "TypeRef<" + type.getTypeName() + ">";
  }
}
