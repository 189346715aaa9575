package io.easyremote.node.internal.registry;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.type.TypeFactory;
import io.easyremote.node.Emitter;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Parameter;
import io.easyremote.protocol.wire.Visibility;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Builds {@link RemoteFunction}s from {@code @Remote} methods and from typed lambdas. */
public final class FunctionScanner {
  private FunctionScanner() {}

  /**
   * The public {@code @Remote} methods of {@code target}'s class (inherited public ones too).
   *
   * @throws IllegalArgumentException when there are none, or two share a name
   */
  public static List<RemoteFunction> scan(Object target) {
    Class<?> type = target.getClass();
    if (!Modifier.isPublic(type.getModifiers())) {
      throw new IllegalArgumentException(type.getName() + " must be public so its @Remote methods can be called");
    }
    List<Method> methods = new ArrayList<>();
    for (Method m : type.getMethods()) {
      if (m.isAnnotationPresent(Remote.class) && !Modifier.isStatic(m.getModifiers())) {
        methods.add(m);
      }
    }
    if (methods.isEmpty()) {
      throw new IllegalArgumentException(type.getName() + " has no public @Remote methods");
    }
    methods.sort(Comparator.comparing(Method::getName));
    Map<String, Method> seen = new HashMap<>();
    List<RemoteFunction> out = new ArrayList<>();
    for (Method m : methods) {
      Remote remote = m.getAnnotation(Remote.class);
      String name = remote.name().isEmpty() ? m.getName() : remote.name();
      Method previous = seen.put(name, m);
      if (previous != null) {
        throw new IllegalArgumentException("Function '" + name + "' is declared twice on " + type.getSimpleName() + ": "
            + describe(previous) + " and " + describe(m) + ". Give one of them @Remote(name = \"...\").");
      }
      out.add(fromMethod(target, m, name, remote));
    }
    return out;
  }

  private static RemoteFunction fromMethod(Object target, Method method, String name, Remote remote) {
    checkName(name);
    method.setAccessible(true);
    TypeFactory types = Json.mapper().getTypeFactory();
    List<ParameterInfo> parameters = new ArrayList<>();
    int emitterIndex = -1;
    Type itemType = null;
    java.lang.reflect.Parameter[] declared = method.getParameters();
    for (int i = 0; i < declared.length; i++) {
      if (declared[i].getType() == Emitter.class) {
        if (emitterIndex >= 0) {
          throw new IllegalArgumentException(describe(method) + " takes more than one Emitter");
        }
        emitterIndex = i;
        itemType = ResultShape.itemType(declared[i].getParameterizedType());
        continue;
      }
      JavaType javaType = types.constructType(declared[i].getParameterizedType());
      parameters.add(new ParameterInfo(declared[i].getName(), javaType, declared[i].getParameterizedType()));
    }
    ResultShape shape = emitterIndex >= 0 ? ResultShape.EMITTER : ResultShape.ofReturn(method.getReturnType());
    if (shape == ResultShape.EMITTER && method.getReturnType() != void.class) {
      throw new IllegalArgumentException(describe(method) + " takes an Emitter, so it must return void");
    }
    if (shape == ResultShape.STREAM) {
      itemType = ResultShape.itemType(method.getGenericReturnType());
    }
    Type resultType = itemType != null ? itemType : method.getGenericReturnType();
    FunctionSpec spec = spec(name, remote.description(), parameters, resultType, shape, remote);
    int emitterAt = emitterIndex;
    int arity = declared.length;
    RemoteFunction.Body body = (args, emitter) -> {
      Object[] full = args;
      if (emitterAt >= 0) {
        full = new Object[arity];
        for (int i = 0, j = 0; i < arity; i++) {
          full[i] = i == emitterAt ? emitter : args[j++];
        }
      }
      try {
        return method.invoke(target, full);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return new RemoteFunction(spec, parameters, shape, body, target.getClass().getSimpleName() + "." + method.getName());
  }

  /** A one-argument lambda; lambdas lose their generic types, so the argument type is passed in. */
  public static <A, R> RemoteFunction fromLambda(String name, Class<A> argType, Function<? super A, ? extends R> fn) {
    checkName(name);
    List<ParameterInfo> parameters = List.of(new ParameterInfo("arg0", Json.mapper().getTypeFactory().constructType(argType), argType));
    return new RemoteFunction(spec(name, "", parameters, Object.class, ResultShape.VALUE, null), parameters, ResultShape.VALUE,
        (args, emitter) -> fn.apply(argType.cast(args[0])), "lambda '" + name + "'");
  }

  /** A two-argument lambda. */
  public static <A, B, R> RemoteFunction fromLambda(
      String name, Class<A> first, Class<B> second, BiFunction<? super A, ? super B, ? extends R> fn) {
    checkName(name);
    TypeFactory types = Json.mapper().getTypeFactory();
    List<ParameterInfo> parameters = List.of(
        new ParameterInfo("arg0", types.constructType(first), first), new ParameterInfo("arg1", types.constructType(second), second));
    return new RemoteFunction(spec(name, "", parameters, Object.class, ResultShape.VALUE, null), parameters, ResultShape.VALUE,
        (args, emitter) -> fn.apply(first.cast(args[0]), second.cast(args[1])), "lambda '" + name + "'");
  }

  private static FunctionSpec spec(
      String name, String description, List<ParameterInfo> parameters, Type resultType, ResultShape shape, Remote remote) {
    FunctionSpec.Builder spec = FunctionSpec.newBuilder()
        .setName(name)
        .setDescription(description)
        .setStreaming(shape == ResultShape.STREAM || shape == ResultShape.EMITTER)
        .setResultType(resultType.getTypeName())
        .setResultSchema(shape == ResultShape.VOID ? "{\"type\":\"null\"}" : SchemaGenerator.schemaOf(resultType));
    for (ParameterInfo p : parameters) {
      spec.addParameters(Parameter.newBuilder().setName(p.name()).setType(p.declared().getTypeName())
          .setSchema(SchemaGenerator.schemaOf(p.declared())));
    }
    if (remote != null) {
      spec.setIdempotent(remote.idempotent())
          .setMaxConcurrency(remote.maxConcurrency())
          .setDefaultTimeoutMs(remote.timeoutMillis())
          .setVisibility(remote.isPublic() ? Visibility.PUBLIC : Visibility.PRIVATE);
    }
    return spec.build();
  }

  private static void checkName(String name) {
    String problem = Names.functionNameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException("Invalid function name: " + problem);
    }
  }

  private static String describe(Method m) {
    return m.getDeclaringClass().getSimpleName() + "." + m.getName()
        + java.util.Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).collect(java.util.stream.Collectors.joining(", ", "(", ")"));
  }
}
