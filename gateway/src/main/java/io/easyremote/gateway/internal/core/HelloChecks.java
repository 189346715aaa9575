package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Hello;

/** Validates a node's Hello before it is registered; every refusal names what is wrong. */
final class HelloChecks {
  private HelloChecks() {}

  /** @throws RegistrationException naming the first problem found */
  static void check(Hello hello, int maxFunctionsPerNode) throws RegistrationException {
    String problem = Names.nodeIdProblem(hello.getNodeId());
    if (problem != null) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Invalid node id: " + problem + ".");
    }
    if (hello.getMaxConcurrency() < 1) {
      throw new RegistrationException(ErrorCode.INVALID_REQUEST, "max_concurrency must be at least 1.");
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
      if (!seen.add(spec.getName())) {
        throw new RegistrationException(ErrorCode.INVALID_REQUEST, "Function '" + spec.getName() + "' is declared twice.");
      }
    }
  }
}
