package io.easyremote.protocol;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public method as a remote function. On a compute node it registers the method; on a
 * client interface given to {@code Client.proxy} it may rename the function the method calls.
 *
 * <pre>{@code
 * public final class MathFunctions {
 *   @Remote(description = "Adds two integers", idempotent = true)
 *   public int add(int a, int b) { return a + b; }
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Remote {
  /** The function name; empty means the method's name. */
  String name() default "";

  /** A one-line description, shown in listings, OpenAPI and MCP. */
  String description() default "";

  /** True when running the function twice has the same effect as once, so a lost call may be re-run elsewhere. */
  boolean idempotent() default false;

  /** A default deadline in milliseconds for calls that set a longer one or none; 0 means none. */
  long timeoutMillis() default 0;

  /** The most concurrent calls of this function on one node; 0 means the node's limit only. */
  int maxConcurrency() default 0;

  /** True when the function may be called without a client key (the gateway must allow it too). */
  boolean isPublic() default false;
}
