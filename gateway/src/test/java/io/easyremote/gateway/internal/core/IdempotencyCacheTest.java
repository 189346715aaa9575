package io.easyremote.gateway.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdempotencyCacheTest {
  private static final IdempotencyCache.Limits SMALL = new IdempotencyCache.Limits(TimeUnit.MINUTES.toNanos(10), 100, 4L << 20, 10, 1L << 20);

  /** Records what a sink received. */
  private static final class Recorder implements CallSink {
    final List<Object> outcomes = new ArrayList<>();

    @Override
    public void onResult(Payload payload, String nodeId) {
      outcomes.add(payload.getData().toStringUtf8());
    }

    @Override
    public void onError(Error error) {
      outcomes.add(Wire.fromWire(error.getCode()));
    }
  }

  private static Payload args(String json) {
    return Payload.newBuilder().setData(ByteString.copyFromUtf8(json)).build();
  }

  private static Payload bytes(int n) {
    return Payload.newBuilder().setData(ByteString.copyFrom(new byte[n])).build();
  }

  @Test
  void repeat_sameCallerSameArguments_replaysTheOutcome() {
    IdempotencyCache cache = new IdempotencyCache(SMALL);
    Recorder first = new Recorder();
    IdempotencyCache.Decision lead = cache.leadOrFollow("key:a", "add", "k1", args("[40,2]"), first, new Recorder());
    lead.lead().onResult(args("42"), "n1");

    Recorder repeat = new Recorder();
    IdempotencyCache.Decision again = cache.leadOrFollow("key:a", "add", "k1", args("[40,2]"), new Recorder(), repeat);

    assertThat(again.lead()).isNull();
    assertThat(again.refusal()).isNull();
    assertThat(repeat.outcomes).containsExactly("42");
  }

  @Test
  void repeat_otherArguments_isRefusedWithInvalidRequest() {
    IdempotencyCache cache = new IdempotencyCache(SMALL);
    cache.leadOrFollow("key:a", "add", "k1", args("[40,2]"), new Recorder(), new Recorder()).lead().onResult(args("42"), "n1");

    IdempotencyCache.Decision other = cache.leadOrFollow("key:a", "add", "k1", args("[1,1]"), new Recorder(), new Recorder());

    assertThat(other.refusal()).isNotNull();
    assertThat(Wire.fromWire(other.refusal().getCode())).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(other.refusal().getMessage()).contains("other arguments");
  }

  @Test
  void sameKey_anotherCaller_leadsItsOwnCall() {
    IdempotencyCache cache = new IdempotencyCache(SMALL);
    cache.leadOrFollow("key:a", "add", "k1", args("[40,2]"), new Recorder(), new Recorder()).lead().onResult(args("42"), "n1");

    IdempotencyCache.Decision stranger = cache.leadOrFollow("anonymous@10.0.0.9", "add", "k1", args("[40,2]"), new Recorder(), new Recorder());

    assertThat(stranger.lead()).isNotNull();
  }

  @Test
  void failureBeforeANode_isNotKept() {
    IdempotencyCache cache = new IdempotencyCache(SMALL);
    Recorder first = new Recorder();
    cache.leadOrFollow("key:a", "add", "k1", args("[1]"), first, new Recorder()).lead()
        .onError(Wire.error(ErrorCode.OVERLOADED, "queue full"));

    IdempotencyCache.Decision retry = cache.leadOrFollow("key:a", "add", "k1", args("[1]"), new Recorder(), new Recorder());

    assertThat(first.outcomes).containsExactly(ErrorCode.OVERLOADED);
    assertThat(retry.lead()).as("the retry runs").isNotNull();
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void outcomesOfOneCaller_areBoundedInBytes_oldestGoFirst() {
    IdempotencyCache cache = new IdempotencyCache(SMALL);
    for (int i = 0; i < 8; i++) {
      cache.leadOrFollow("key:a", "echo", "k" + i, args("[" + i + "]"), new Recorder(), new Recorder()).lead().onResult(bytes(300 << 10), "n1");
    }

    assertThat(cache.bytes()).isLessThanOrEqualTo(SMALL.maxBytesPerCaller() + 10 * 1024);
    assertThat(cache.leadOrFollow("key:a", "echo", "k0", args("[0]"), new Recorder(), new Recorder()).lead())
        .as("the oldest outcome was evicted, so its key leads again").isNotNull();
    Recorder newest = new Recorder();
    cache.leadOrFollow("key:a", "echo", "k7", args("[7]"), new Recorder(), newest);
    assertThat(newest.outcomes).hasSize(1);
  }

  @Test
  void outcomeLargerThanTheBudget_isNotKept_andRepeatsAreToldSoWithoutRunning() {
    IdempotencyCache cache = new IdempotencyCache(SMALL);
    cache.leadOrFollow("key:a", "echo", "big", args("[0]"), new Recorder(), new Recorder()).lead().onResult(bytes(2 << 20), "n1");

    Recorder repeat = new Recorder();
    IdempotencyCache.Decision again = cache.leadOrFollow("key:a", "echo", "big", args("[0]"), new Recorder(), repeat);

    assertThat(again.lead()).isNull();
    assertThat(repeat.outcomes).containsExactly(ErrorCode.INVALID_REQUEST);
    assertThat(cache.bytes()).isLessThan(10 * 1024);
  }

  @Test
  void entriesOfOneCaller_areBounded() {
    IdempotencyCache cache = new IdempotencyCache(SMALL);
    for (int i = 0; i < 10; i++) {
      cache.leadOrFollow("key:flood", "slow", "k" + i, args("[]"), new Recorder(), new Recorder()); // still running
    }

    IdempotencyCache.Decision eleventh = cache.leadOrFollow("key:flood", "slow", "k10", args("[]"), new Recorder(), new Recorder());
    IdempotencyCache.Decision otherCaller = cache.leadOrFollow("key:b", "slow", "k10", args("[]"), new Recorder(), new Recorder());

    assertThat(eleventh.refusal()).isNotNull();
    assertThat(Wire.fromWire(eleventh.refusal().getCode())).isEqualTo(ErrorCode.OVERLOADED);
    assertThat(otherCaller.lead()).as("one caller's flood does not lock out another").isNotNull();
  }
}
