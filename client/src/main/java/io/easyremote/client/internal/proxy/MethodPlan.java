package io.easyremote.client.internal.proxy;

import java.lang.reflect.Method;

/**
 * What one proxy method does, decided when the proxy is created: call {@code function} and deliver
 * the result through {@code kind}, or run the interface's own default method.
 */
record MethodPlan(Method method, String function, ReturnKind kind) {
  static MethodPlan remote(Method method, String function, ReturnKind kind) {
    return new MethodPlan(method, function, kind);
  }

  static MethodPlan defaultMethod(Method method) {
    return new MethodPlan(method, null, null);
  }

  boolean isDefault() {
    return kind == null;
  }
}
