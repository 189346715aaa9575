package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import io.easyremote.bench.callers.RelayedCaller;
import io.easyremote.bench.callers.StubCaller;
import io.easyremote.bench.callers.TcpCaller;
import io.easyremote.client.Client;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 3: 1 KiB to 16 MiB echoed as raw bytes, relayed and direct; from 1 MiB also in plain
 * TCP, directly and through a relay that only copies bytes (what passing bytes on costs by itself
 * on these cores); then the head-of-line check: small calls to the same node while 16 MiB
 * transfers run, against small calls alone.
 */
final class PayloadScenario implements Scenario {
  private static final int[] SIZES = {1 << 10, 64 << 10, 1 << 20, 16 << 20};
  /** Sizes from which the plain TCP floor is measured too. */
  private static final int TCP_FROM = 1 << 20;
  private static final String TCP_DIRECT = "plain TCP, direct";
  private static final String TCP_RELAYED = "plain TCP, byte relay";

  @Override
  public String id() {
    return "payload";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    Section section = new Section(id(), "3. Payload sizes (raw bytes echoed, sequential) and head-of-line blocking",
        "size", "path", "p50 ms", "p99 ms", "MB/s each way", "p50 ÷ direct");
    Client client = lab.client();
    long budget = settings.quick() ? 16L << 20 : 64L << 20;
    try (ChildJvm tcpEcho = ChildJvm.start(settings.logDir(), List.of(), "tcp", "echo");
        ChildJvm tcpRelay = ChildJvm.start(settings.logDir(), List.of(), "tcp", "relay", tcpEcho.ready("port"))) {
      int echoPort = Integer.parseInt(tcpEcho.ready("port"));
      int relayPort = Integer.parseInt(tcpRelay.ready("port"));
      for (int size : SIZES) {
        sizeRows(lab, client, settings, section, size, budget, size >= TCP_FROM ? new int[] {echoPort, relayPort} : null);
      }
    }
    headOfLine(lab, settings, section);
    section.note("MB/s each way = payload size ÷ mean call time (the bytes also travel back).");
    section.note("Plain TCP rows (from 1 MiB): a 4-byte length and the bytes, echoed by a plain Java server in its own JVM, directly "
        + "and through a relay in a third JVM that passes bytes on as they come (64 KiB reads, one thread each way, no framing or "
        + "parsing): what passing the bytes on costs on these cores by itself, before any protocol.");
    section.note("Before each size, every path in turn for " + warmUpSeconds(1 << 20, settings) + " s (1 KiB: 20 calls each), or the "
        + "first rounds measure the JIT: at 150 calls a second the large-payload code (parts, parsing, copying) is compiled only after "
        + "tens of seconds, and 1 MiB echoes through a fresh gateway cost it 12 ms of CPU each at first and 4 ms a minute later.");
    return section;
  }

  /** One size's rows: relayed and direct gRPC, and the plain TCP pair when {@code tcpPorts} (echo, relay) are given. */
  private static void sizeRows(Lab lab, Client client, Settings settings, Section section, int size, long budget, int[] tcpPorts)
      throws Exception {
    int calls = (int) Math.min(settings.quick() ? 250 : 1000, Math.max(2, budget / size));
    List<Caller> callers = new ArrayList<>(List.of(RelayedCaller.bytes("relayed", client, size), StubCaller.direct(lab.echoPort(), size)));
    try {
      if (tcpPorts != null) {
        callers.add(new TcpCaller(TCP_DIRECT, tcpPorts[0], size));
        callers.add(new TcpCaller(TCP_RELAYED, tcpPorts[1], size));
      }
      warmUp(callers, size, settings);
      Medians m = new Medians();
      for (int r = 0; r < settings.payloadRounds(); r++) {
        for (Caller c : Rounds.rotated(callers, r)) {
          m.add(c.name(), Load.sequential(c, calls));
        }
      }
      for (Caller c : callers) {
        double meanSeconds = m.median(c.name(), Sample::meanMicros) / 1e6;
        section.row(sizeText(size), c.name(), m.median(c.name(), Sample::p50Micros) / 1000, m.median(c.name(), Sample::p99Micros) / 1000,
            size / meanSeconds / 1e6, m.ratio(c.name(), "direct gRPC", Sample::p50Micros));
      }
      if (tcpPorts != null) {
        double direct = m.median("direct gRPC", Sample::meanMicros) / 1000;
        double relayCost = m.median("relayed", Sample::meanMicros) / 1000 - direct;
        double byteRelayCost = (m.median(TCP_RELAYED, Sample::meanMicros) - m.median(TCP_DIRECT, Sample::meanMicros)) / 1000;
        section.note(String.format(Locale.ROOT, "%s: relayed ÷ direct gRPC, MB/s: %.2f. The relay adds %.2f ms to a call, the byte relay "
            + "%.2f ms to a plain TCP echo; a relay that added only that to the direct gRPC call would reach %.2f.", sizeText(size),
            direct / (direct + relayCost), relayCost, byteRelayCost, direct / (direct + byteRelayCost)));
      }
    } finally {
      for (Caller c : callers) {
        c.close();
      }
    }
  }

  /** Warms every path up at this size, in turn, until the warm-up time is spent (at least 20 calls each). */
  private static void warmUp(List<Caller> callers, int size, Settings settings) throws Exception {
    long end = System.nanoTime() + warmUpSeconds(size, settings) * 1_000_000_000L;
    do {
      for (Caller c : callers) {
        Load.sequential(c, size >= 1 << 20 ? 5 : 20);
      }
    } while (System.nanoTime() < end);
  }

  /** Seconds of warm-up per size: none past the first calls for small payloads, whose code the lab's warm-up already compiled. */
  private static int warmUpSeconds(int size, Settings settings) {
    return size < 64 << 10 ? 0 : settings.quick() ? 3 : 15;
  }

  /**
   * Small-call latency alone vs while another connection keeps 16 MiB echoes running on the same
   * node; the same against the direct gRPC echo server, as the baseline of what 16 MiB copies on
   * these cores do to a small call's tail with no relay in between.
   */
  private static void headOfLine(Lab lab, Settings settings, Section section) throws Exception {
    AtomicLong bigCalls = new AtomicLong();
    try (Caller small = RelayedCaller.text("relayed", lab.client(), LatencyScenario.SMALL);
        Caller big = RelayedCaller.bytes("relayed 16 MiB", lab.client(), 16 << 20)) {
      Medians m = headOfLine(small, big, settings, bigCalls);
      rows(section, "", m);
      section.note(String.format(Locale.ROOT, "Head-of-line: small-call p99 is %.1f× higher while 16 MiB echoes run on the same node"
          + " (%d of them during the test, on a second client connection).", m.ratio("with 16 MiB", "alone", Sample::p99Micros),
          bigCalls.get()));
    }
    AtomicLong directBigCalls = new AtomicLong();
    try (Caller small = StubCaller.direct(lab.echoPort(), LatencyScenario.SMALL);
        Caller big = StubCaller.direct(lab.echoPort(), 16 << 20)) {
      Medians m = headOfLine(small, big, settings, directBigCalls);
      rows(section, "direct gRPC ", m);
      section.note(String.format(Locale.ROOT, "Baseline: against the direct gRPC echo server (no relay), small-call p99 is %.1f× higher "
          + "while 16 MiB echoes run on it (%d of them, on a second connection).", m.ratio("with 16 MiB", "alone", Sample::p99Micros),
          directBigCalls.get()));
    }
  }

  /** The head-of-line rows: small calls alone and while 16 MiB echoes run, their paths named after {@code prefix}. */
  private static void rows(Section section, String prefix, Medians m) {
    section.row("32 B", prefix + "alone", m.median("alone", Sample::p50Micros) / 1000, m.median("alone", Sample::p99Micros) / 1000,
        Double.NaN, Double.NaN);
    section.row("32 B", prefix + "while 16 MiB in flight", m.median("with 16 MiB", Sample::p50Micros) / 1000,
        m.median("with 16 MiB", Sample::p99Micros) / 1000, Double.NaN, Double.NaN);
  }

  /** Rounds of {@code small} alone, then while {@code big} runs in a loop on another thread: "alone" and "with 16 MiB". */
  private static Medians headOfLine(Caller small, Caller big, Settings settings, AtomicLong bigCalls) throws Exception {
    Medians m = new Medians();
    for (int r = 0; r < settings.payloadRounds(); r++) {
      m.add("alone", Load.closedLoop(small, 1, settings.headOfLineWindow()));
      AtomicBoolean running = new AtomicBoolean(true);
      Thread background = new Thread(() -> {
        while (running.get()) {
          try {
            big.call();
            bigCalls.incrementAndGet();
          } catch (Exception e) {
            throw new IllegalStateException("a 16 MiB call failed", e);
          }
        }
      }, "bench-16MiB");
      background.start();
      Thread.sleep(200);
      m.add("with 16 MiB", Load.closedLoop(small, 1, settings.headOfLineWindow()));
      running.set(false);
      background.join();
    }
    return m;
  }

  static String sizeText(int size) {
    return size >= 1 << 20 ? (size >> 20) + " MiB" : (size >> 10) + " KiB";
  }
}
