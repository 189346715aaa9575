package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every kind of bad call gets a named code and a message that helps, and the gateway keeps serving. */
class ErrorsTest {
  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .node("errors", node -> node.register(new SampleFunctions("errors")))
      .build();

  @AfterEach
  void gatewayStillServes() {
    assertThat(cluster.client().call("add", Integer.class, 2, 2)).isEqualTo(4);
  }

  @Test
  void unknownFunction_failsWithFunctionNotFound_listingRegistered() {
    assertThatThrownBy(() -> cluster.client().call("ad", Integer.class, 1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
          assertThat(e.getMessage()).startsWith("Unknown function 'ad'. Registered: add, await, big,");
          assertThat(e.reachedNode()).isFalse();
        });
  }

  @Test
  void wrongArity_failsWithInvalidArguments() {
    assertThatThrownBy(() -> cluster.client().call("add", Integer.class, 1, 2, 3))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENTS);
          assertThat(e.getMessage()).contains("add").contains("2").contains("3");
        });
  }

  @Test
  void wrongType_failsWithInvalidArguments_namingTheArgument() {
    assertThatThrownBy(() -> cluster.client().call("add", Integer.class, 1, "two"))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENTS);
          assertThat(e.getMessage()).contains("'b'");
        });
    assertThatThrownBy(() -> cluster.client().call("add", Integer.class, 1.5, 2))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENTS);
          assertThat(e.getMessage()).contains("'a'");
        });
  }

  @Test
  void malformedJson_failsWithInvalidArguments() throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    try {
      CallReply reply = GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .call(CallRequest.newBuilder().setFunction("add")
              .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8("[1, "))).build());
      assertThat(reply.hasError()).isTrue();
      assertThat(Wire.fromWire(reply.getError().getCode())).isEqualTo(ErrorCode.INVALID_ARGUMENTS);
      assertThat(reply.getError().getMessage()).contains("add").containsIgnoringCase("json");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void userException_failsWithFunctionFailed_carryingRemoteTypeAndMessage() {
    assertThatThrownBy(() -> cluster.client().call("fail", String.class, "disk on fire"))
        .isInstanceOfSatisfying(RemoteFunctionException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_FAILED);
          assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
          assertThat(e.getMessage()).contains("disk on fire");
          assertThat(e.remoteStack()).contains("SampleFunctions.fail");
          assertThat(e.nodeId()).isEqualTo("errors");
          assertThat(e.reachedNode()).isTrue();
        });
  }

  @Test
  void oversizedArguments_failWithPayloadTooLarge() {
    String huge = "x".repeat(17 << 20);
    assertThatThrownBy(() -> cluster.client().call("echo", String.class, huge))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
  }

  @Test
  void invalidFunctionName_failsWithInvalidRequest() {
    assertThatThrownBy(() -> cluster.client().call("no such/name", String.class))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
          assertThat(e.getMessage()).contains("'no such/name'").contains("letters, digits");
          assertThat(e.reachedNode()).isFalse();
        });
  }
}
