package io.easyremote.client.internal.proxy;

import io.easyremote.client.internal.call.Invoker;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.internal.Names;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds typed proxies over an {@link Invoker}. The whole interface is checked when the proxy is
 * created, so a bad declaration fails at once with a message naming {@code Interface.method},
 * never on the first call.
 */
public final class ProxyFactory {
  private ProxyFactory() {}

  /**
   * A proxy implementing {@code iface}.
   *
   * @param description how the proxy names itself in {@code toString()}
   * @throws IllegalArgumentException when {@code iface} is not an interface or a method cannot be served
   */
  public static <T> T create(Class<T> iface, Invoker invoker, String description, StreamOpener streams) {
    if (iface == null) {
      throw new NullPointerException("iface");
    }
    if (!iface.isInterface() || iface.isAnnotation()) {
      throw new IllegalArgumentException(
          "Client.proxy needs an interface; " + iface.getName() + " is " + (iface.isAnnotation() ? "an annotation" : "a class"));
    }
    if (iface.getTypeParameters().length > 0) {
      throw new IllegalArgumentException(iface.getSimpleName() + " declares type parameters "
          + java.util.Arrays.toString(iface.getTypeParameters())
          + "; a proxy needs concrete types, so declare a sub-interface that fixes them");
    }
    Map<Method, MethodPlan> plans = new HashMap<>();
    for (Method method : iface.getMethods()) {
      if (Modifier.isStatic(method.getModifiers()) || isObjectMethod(method)) {
        continue;
      }
      plans.put(method, plan(method, streams));
    }
    Object proxy = Proxy.newProxyInstance(
        iface.getClassLoader(), new Class<?>[] {iface}, new ProxyHandler(invoker, plans, iface.getSimpleName() + " proxy " + description));
    return iface.cast(proxy);
  }

  private static MethodPlan plan(Method method, StreamOpener streams) {
    if (method.isDefault()) {
      if (!Modifier.isPublic(method.getDeclaringClass().getModifiers())) {
        throw ReturnKinds.invalid(method, "is a default method of a non-public interface; make "
            + method.getDeclaringClass().getSimpleName() + " public so the proxy can invoke it");
      }
      return MethodPlan.defaultMethod(method);
    }
    Remote remote = method.getAnnotation(Remote.class);
    String function = remote == null || remote.name().isEmpty() ? method.getName() : remote.name();
    String problem = Names.functionNameProblem(function);
    if (problem != null) {
      throw ReturnKinds.invalid(method, "calls an invalid function name: " + problem + "; rename it with @Remote(name = ...)");
    }
    return MethodPlan.remote(method, function, ReturnKinds.of(method, streams));
  }

  /** equals, hashCode and toString, which the proxy answers itself even when the interface redeclares them. */
  static boolean isObjectMethod(Method method) {
    try {
      Object.class.getMethod(method.getName(), method.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
