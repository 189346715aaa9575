package io.easyremote.gateway.internal.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Gauges for a changing set of things (nodes, functions, GPUs), each identified by its tags. The
 * gauges read the latest snapshot handed to {@link #update}; a thing's gauges are registered when
 * it first appears and removed from the registry as soon as a snapshot no longer has it, so a node
 * that left does not linger as a stale series. Thread-safe.
 *
 * @param <T> the snapshot type of one thing
 */
final class GaugeSet<T> {
  /**
   * One gauge per thing.
   *
   * @param name the meter name (dotted; the Prometheus registry adds unit suffixes)
   * @param description its help text
   * @param baseUnit the unit, or null
   * @param value reads the value from a thing's snapshot
   */
  record Definition<T>(String name, String description, String baseUnit, ToDoubleFunction<T> value) {}

  private final MeterRegistry registry;
  private final List<Definition<T>> definitions;
  private final Map<Tags, List<Meter>> registered = new HashMap<>();
  private volatile Map<Tags, T> latest = Map.of();

  GaugeSet(MeterRegistry registry, List<Definition<T>> definitions) {
    this.registry = registry;
    this.definitions = List.copyOf(definitions);
  }

  /** Makes {@code now} the state the gauges read; returns the tags of things that disappeared. */
  synchronized Set<Tags> update(Map<Tags, T> now) {
    latest = Map.copyOf(now);
    for (Tags tags : now.keySet()) {
      registered.computeIfAbsent(tags, this::register);
    }
    Set<Tags> gone = new HashSet<>(registered.keySet());
    gone.removeAll(now.keySet());
    for (Tags tags : gone) {
      registered.remove(tags).forEach(registry::remove);
    }
    return gone;
  }

  private List<Meter> register(Tags tags) {
    List<Meter> meters = new ArrayList<>();
    for (Definition<T> d : definitions) {
      meters.add(Gauge.builder(d.name(), this, set -> set.read(tags, d.value()))
          .tags(tags).description(d.description()).baseUnit(d.baseUnit()).register(registry));
    }
    return meters;
  }

  private double read(Tags tags, ToDoubleFunction<T> value) {
    T thing = latest.get(tags);
    return thing == null ? Double.NaN : value.applyAsDouble(thing);
  }
}
