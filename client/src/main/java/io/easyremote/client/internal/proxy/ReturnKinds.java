package io.easyremote.client.internal.proxy;

import io.easyremote.client.internal.codec.ResultReader;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.stream.BaseStream;

/** Chooses the {@link ReturnKind} for a proxy method from its generic return type. */
final class ReturnKinds {
  private ReturnKinds() {}

  /**
   * The kind for {@code method}.
   *
   * @throws IllegalArgumentException naming {@code Interface.method} when the return type cannot be served
   */
  static ReturnKind of(Method method, StreamOpener streams) {
    Type type = method.getGenericReturnType();
    Class<?> raw = method.getReturnType();
    if (raw == CompletableFuture.class) {
      if (!(type instanceof ParameterizedType p)) {
        throw invalid(method, "returns raw CompletableFuture; declare its result type, e.g. CompletableFuture<Integer>");
      }
      Type value = p.getActualTypeArguments()[0];
      requireConcrete(method, value);
      return new FutureReturn(ResultReader.ofType(value));
    }
    if (Future.class.isAssignableFrom(raw) || CompletionStage.class.isAssignableFrom(raw)) {
      throw invalid(method, "returns " + raw.getSimpleName() + "; declare CompletableFuture<T> for an asynchronous call");
    }
    StreamReturn.Shape shape = raw == java.util.stream.Stream.class ? StreamReturn.Shape.STREAM
        : raw == Iterator.class ? StreamReturn.Shape.ITERATOR
        : raw == Flow.Publisher.class ? StreamReturn.Shape.PUBLISHER
        : raw == io.easyremote.client.ResultStream.class ? StreamReturn.Shape.RESULT_STREAM : null;
    if (shape != null) {
      if (!(type instanceof ParameterizedType p)) {
        String name = raw == Flow.Publisher.class ? "Flow.Publisher" : raw.getSimpleName();
        throw invalid(method, "returns raw " + name + "; declare its item type, e.g. " + name + "<String>");
      }
      Type item = p.getActualTypeArguments()[0];
      requireConcrete(method, item);
      return new StreamReturn(ResultReader.ofType(item), shape, streams);
    }
    if (BaseStream.class.isAssignableFrom(raw) || Iterator.class.isAssignableFrom(raw) || Flow.Publisher.class.isAssignableFrom(raw)) {
      throw invalid(method, "returns " + type.getTypeName() + "; a streaming method must return Stream<T>, Iterator<T>,"
          + " Flow.Publisher<T> or ResultStream<T>");
    }
    requireConcrete(method, type);
    return new SyncReturn(ResultReader.ofType(type));
  }

  private static void requireConcrete(Method method, Type type) {
    if (type instanceof TypeVariable<?> v) {
      throw invalid(method, "returns type variable " + v.getName() + ", which cannot be read from JSON; declare a concrete type");
    }
    if (type instanceof WildcardType) {
      throw invalid(method, "returns a wildcard type " + type.getTypeName() + "; declare a concrete type");
    }
    if (type instanceof GenericArrayType g) {
      requireConcrete(method, g.getGenericComponentType());
    }
    if (type instanceof ParameterizedType p) {
      for (Type arg : p.getActualTypeArguments()) {
        if (arg instanceof WildcardType w) {
          for (Type bound : w.getUpperBounds()) {
            requireConcrete(method, bound);
          }
        } else {
          requireConcrete(method, arg);
        }
      }
    }
  }

  static IllegalArgumentException invalid(Method method, String problem) {
    return new IllegalArgumentException(method.getDeclaringClass().getSimpleName() + "." + method.getName() + " " + problem);
  }
}
