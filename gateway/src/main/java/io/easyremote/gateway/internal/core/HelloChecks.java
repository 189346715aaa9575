package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Hello;

/**
 * Validates a node's Hello before it is registered; every refusal names what is wrong and never
 * echoes more than a name-sized piece of what was sent.
 */
final class HelloChecks {
  /** Largest Hello accepted: room for 1,000 functions with their schemas. */
  static final int MAX_HELLO_BYTES = 4 << 20;
  /** Most labels a node may declare. */
  static final int MAX_LABELS = 64;
  /** Longest label key or value. */
  static final int MAX_LABEL_CHARS = 256;
  /** Longest function description. */
  static final int MAX_DESCRIPTION_CHARS = 8192;
  /** Most concurrent calls a node may declare. */
  static final int MAX_CONCURRENCY = 100_000;

  /**
   * Highest price per call or per second: with a deadline of up to a year (3.2e7 s) the most a
   * call may cost still fits in a long.
   */
  static final long MAX_PRICE = 1L << 40;

  private HelloChecks() {}

  /** Null when a node's resources are plausible numbers, else why not. */
  static String resourcesProblem(io.easyremote.protocol.wire.Resources r) {
    if (!load(r.getCpuLoad()) || !load(r.getProcessCpuLoad())) {
      return "CPU load must be a number between 0 and 1 (negative: unknown)";
    }
    for (io.easyremote.protocol.wire.Gpu gpu : r.getGpusList()) {
      if (!load(gpu.getUtilisation())) {
        return "GPU utilisation must be a number between 0 and 1 (negative: unknown)";
      }
    }
    return null;
  }

  /** A load is a fraction of one, or negative when the node could not measure it; never NaN or infinite. */
  private static boolean load(double value) {
    return value >= -1 && value <= 1;
  }

  /** @throws RegistrationException naming the first problem found */
  static void check(Hello hello, int maxFunctionsPerNode) throws RegistrationException {
    String problem = Names.nodeIdProblem(hello.getNodeId());
    if (problem != null) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Invalid node id: " + problem + ".");
    }
    if (hello.getSerializedSize() > MAX_HELLO_BYTES) {
      throw new RegistrationException(ErrorCode.PAYLOAD_TOO_LARGE, "Node '" + hello.getNodeId() + "' sent a Hello of "
          + Errors.bytes(hello.getSerializedSize()) + "; the gateway accepts at most " + Errors.bytes(MAX_HELLO_BYTES) + ".");
    }
    if (hello.getMaxConcurrency() < 1 || hello.getMaxConcurrency() > MAX_CONCURRENCY) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "max_concurrency must be between 1 and " + MAX_CONCURRENCY + ".");
    }
    if (!(hello.getCost() >= 0) || Double.isInfinite(hello.getCost())) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "cost must be a finite number >= 0.");
    }
    if (hello.getLabelsCount() > MAX_LABELS) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Node '" + hello.getNodeId() + "' declares "
          + hello.getLabelsCount() + " labels; the limit is " + MAX_LABELS + ".");
    }
    for (java.util.Map.Entry<String, String> label : hello.getLabelsMap().entrySet()) {
      if (label.getKey().isEmpty() || label.getKey().length() > MAX_LABEL_CHARS || label.getValue().length() > MAX_LABEL_CHARS) {
        throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Label keys must be 1 to " + MAX_LABEL_CHARS
            + " characters and values at most " + MAX_LABEL_CHARS + ".");
      }
    }
    String resources = resourcesProblem(hello.getResources());
    if (resources != null) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Invalid resources: " + resources + ".");
    }
    if (hello.getFunctionsCount() == 0) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Node '" + hello.getNodeId() + "' offers no functions.");
    }
    if (hello.getFunctionsCount() > maxFunctionsPerNode) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Node '" + hello.getNodeId() + "' offers "
          + hello.getFunctionsCount() + " functions; the limit is " + maxFunctionsPerNode + ".");
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (FunctionSpec spec : hello.getFunctionsList()) {
      String nameProblem = Names.functionNameProblem(spec.getName());
      if (nameProblem != null) {
        throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Invalid function: " + nameProblem + ".");
      }
      if (spec.getDescription().length() > MAX_DESCRIPTION_CHARS) {
        throw new RegistrationException(ErrorCode.INVALID_REQUEST, "The description of '" + spec.getName() + "' is longer than "
            + MAX_DESCRIPTION_CHARS + " characters.");
      }
      if (spec.getMaxConcurrency() > MAX_CONCURRENCY) {
        throw new RegistrationException(ErrorCode.INVALID_REQUEST, "max_concurrency of '" + spec.getName() + "' must be at most "
            + MAX_CONCURRENCY + ".");
      }
      if (spec.getPricePerCall() < 0 || spec.getPricePerSecond() < 0) {
        throw new RegistrationException(ErrorCode.INVALID_REQUEST, "The price of '" + spec.getName()
            + "' must be >= 0 credits per call and per second.");
      }
      if (spec.getPricePerCall() > MAX_PRICE || spec.getPricePerSecond() > MAX_PRICE) {
        throw new RegistrationException(ErrorCode.INVALID_REQUEST, "The price of '" + spec.getName() + "' is over the limit of "
            + MAX_PRICE + " credits per call and per second (so that a call's reservation cannot overflow).");
      }
      if (!seen.add(spec.getName())) {
        throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Function '" + spec.getName() + "' is declared twice.");
      }
    }
  }
}
