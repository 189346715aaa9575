"""A plain grpcio client of an EasyRemote gateway, as a Python user would write it.

Usage: python3 grpc_client.py HOST:PORT STUBS_DIR
STUBS_DIR holds the modules grpc_tools.protoc generated from easyremote/v1/easyremote.proto and
healthcheck/health.proto (the standard grpc.health.v1 file). Prints one JSON object with what it
saw; the JUnit test PythonGrpcClientTest reads it.
"""
import json
import sys
import time

import grpc

sys.path.insert(0, sys.argv[2])
from easyremote.v1 import easyremote_pb2 as pb  # noqa: E402
from easyremote.v1 import easyremote_pb2_grpc as rpc  # noqa: E402
from healthcheck import health_pb2, health_pb2_grpc  # noqa: E402


def call(stub, function, json_args, timeout=10):
    return stub.Call(pb.CallRequest(function=function, payload=pb.Payload(data=json_args.encode())), timeout=timeout)


def main():
    seen = {}
    with grpc.insecure_channel(sys.argv[1]) as channel:
        stub = rpc.GatewayStub(channel)

        reply = call(stub, "add", "[20, 22]")
        seen["add"] = json.loads(reply.payload.data)
        seen["add_node"] = reply.node_id

        # One request, then half-close (the iterator ends): the whole stream must arrive.
        items, end = [], None
        requests = iter([pb.StreamRequest(call=pb.CallRequest(function="numbers", payload=pb.Payload(data=b"[1000]")))])
        for message in stub.CallStream(requests, timeout=30):
            if message.HasField("item"):
                items.append(json.loads(message.item.payload.data))
            else:
                end = message.end
        seen["stream_items"] = len(items)
        seen["stream_in_order"] = items == list(range(1000))
        seen["stream_end_count"] = end.count if end is not None else -1
        seen["stream_end_error"] = end.HasField("error") if end is not None else None

        failed = call(stub, "fail", '["boom"]')
        seen["fail_code"] = pb.ErrorCode.Name(failed.error.code)
        seen["fail_message"] = failed.error.message
        missing = call(stub, "nope", "[]")
        seen["missing_code"] = pb.ErrorCode.Name(missing.error.code)

        health = health_pb2_grpc.HealthStub(channel)
        seen["health"] = health_pb2.HealthCheckResponse.ServingStatus.Name(
            health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status)
        seen["health_gateway"] = health_pb2.HealthCheckResponse.ServingStatus.Name(
            health.Check(health_pb2.HealthCheckRequest(service="easyremote.v1.Gateway"), timeout=5).status)

        made_up = channel.unary_unary("/easyremote.v1.Gateway/MadeUp",
                                      request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            made_up(b"", timeout=5)
            seen["made_up"] = "OK"
        except grpc.RpcError as e:
            seen["made_up"] = e.code().name

        # Cancels and timeouts: each must end quietly (grpc-core logs any malformed frame to stderr).
        codes = []
        for i in range(10):
            future = stub.Call.future(pb.CallRequest(function="sleep", payload=pb.Payload(data=b"[2000]")), timeout=10)
            time.sleep(0.05 + (i % 3) * 0.02)
            future.cancel()
            try:
                call(stub, "sleep", "[2000]", timeout=0.05 + (i % 4) * 0.02)
            except grpc.RpcError as e:
                codes.append(e.code().name)
        seen["timeout_codes"] = sorted(set(codes))
        time.sleep(0.5)  # lets late frames for the cancelled streams arrive, if any were sent

    print(json.dumps(seen))


if __name__ == "__main__":
    main()
