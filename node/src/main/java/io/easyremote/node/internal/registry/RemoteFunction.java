package io.easyremote.node.internal.registry;

import io.easyremote.node.Emitter;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Payload;
import java.util.List;

/**
 * One registered function: its wire spec, how to bind arguments and how to run it. Immutable
 * and thread-safe.
 */
public final class RemoteFunction {
  /** Runs the function's code with bound arguments. */
  @FunctionalInterface
  interface Body {
    Object run(Object[] args, Emitter<Object> emitter) throws Throwable;
  }

  private final FunctionSpec spec;
  private final ArgumentBinder binder;
  private final ResultShape shape;
  private final Body body;
  private final String origin;

  RemoteFunction(FunctionSpec spec, List<ParameterInfo> parameters, ResultShape shape, Body body, String origin) {
    this.spec = spec;
    this.binder = new ArgumentBinder(spec.getName(), parameters);
    this.shape = shape;
    this.body = body;
    this.origin = origin;
  }

  /** The function name. */
  public String name() {
    return spec.getName();
  }

  /** What the gateway is told about it. */
  public FunctionSpec spec() {
    return spec;
  }

  /** How its result travels. */
  public ResultShape shape() {
    return shape;
  }

  /** Whether it yields a stream of items. */
  public boolean streaming() {
    return shape == ResultShape.STREAM || shape == ResultShape.EMITTER;
  }

  /** Where it came from, for messages: {@code MathFunctions.add} or {@code lambda 'echo'}. */
  public String origin() {
    return origin;
  }

  /** Converts a payload to arguments. @throws InvalidArgumentsException naming the argument that does not fit */
  public Object[] bind(Payload payload) throws InvalidArgumentsException {
    return binder.bind(payload);
  }

  /** Runs the function; the user's exception propagates as is. */
  public Object run(Object[] args, Emitter<Object> emitter) throws Throwable {
    return body.run(args, emitter);
  }
}
