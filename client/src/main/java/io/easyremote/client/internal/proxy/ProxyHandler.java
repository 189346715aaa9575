package io.easyremote.client.internal.proxy;

import io.easyremote.client.internal.call.Invoker;
import io.easyremote.client.internal.codec.Arguments;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

/** Dispatches proxy calls to their {@link MethodPlan}s; immutable and thread-safe. */
final class ProxyHandler implements InvocationHandler {
  private final Invoker invoker;
  private final Map<Method, MethodPlan> plans;
  private final String description;

  ProxyHandler(Invoker invoker, Map<Method, MethodPlan> plans, String description) {
    this.invoker = invoker;
    this.plans = Map.copyOf(plans);
    this.description = description;
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class || ProxyFactory.isObjectMethod(method)) {
      return objectMethod(proxy, method, args);
    }
    MethodPlan plan = plans.get(method);
    if (plan == null) {
      plan = bySignature(method);
    }
    if (plan.isDefault()) {
      return InvocationHandler.invokeDefault(proxy, method, args);
    }
    return plan.kind().invoke(invoker, plan.function(), Arguments.orNone(args));
  }

  /** The same method reached through another interface of a diamond; planned under the other Method object. */
  private MethodPlan bySignature(Method method) {
    for (MethodPlan plan : plans.values()) {
      Method m = plan.method();
      if (m.getName().equals(method.getName()) && Arrays.equals(m.getParameterTypes(), method.getParameterTypes())) {
        return plan;
      }
    }
    throw new IllegalStateException("No plan for " + method + " in " + description);
  }

  private Object objectMethod(Object proxy, Method method, Object[] args) {
    switch (method.getName()) {
      case "equals":
        return proxy == args[0];
      case "hashCode":
        return System.identityHashCode(proxy);
      case "toString":
        return description;
      default:
        throw new UnsupportedOperationException(method.toString());
    }
  }
}
