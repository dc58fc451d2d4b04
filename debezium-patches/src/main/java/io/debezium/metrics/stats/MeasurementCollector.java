/*
 * Copyright Debezium Authors.
 *
 * Licensed under the Apache Software License version 2.0, available at http://www.apache.org/licenses/LICENSE-2.0
 */
package io.debezium.metrics.stats;

/*
 * outbox-relay: replaces Debezium 3.6.1.Final's io.debezium.metrics.stats.MeasurementCollector (same public
 * surface) with one that applies each measurement on the calling thread instead of queueing it for a publisher
 * thread of its own.
 *
 * Why: Debezium 3.6 (debezium/dbz#1417, quantiles) hands every change event's lag-behind-source measurement from
 * its streaming thread, the relay's bottleneck, to a publisher thread through a LinkedBlockingQueue, whatever
 * statistics.metrics.enabled says: a lock, an allocation and mostly a thread wake-up per event, and the publisher
 * thread's CPU (profiled: 4-5 us per event, see docs/relay-profile.md). When the queue of 1,000 is full, which
 * bursts of a few thousand events do, the streaming thread logs a WARN per event. The relay turns the statistics
 * off (statistics.metrics.enabled=false: NoopStatistics), so what is left to do per event is
 * SingleValueLongMeasurement's synchronized update of last/min/max/average: cheaper in place than handed over.
 * With debezium.statistics.metrics.enabled=true the DDSketch update also runs on the streaming thread.
 *
 * debezium-patches comes before Debezium's jars on the relay's class path, so this class shadows Debezium's
 * (README.md of this module). PatchedCopiesUnitTests fails when Debezium's version changes: then compare with that
 * version's MeasurementCollector, and delete this file or copy the change again.
 */

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.debezium.DebeziumException;
import io.debezium.metrics.event.MeasurementEvent;

/**
 * Single point for submitting all kind of measurements; applies each on the calling thread.
 */
public class MeasurementCollector<T extends MeasurementEvent> implements Consumer<T> {

    /**
     * outbox-relay: what this copy of Debezium 3.6.1.Final's class changes. Its presence tells that this copy,
     * not Debezium's, won the class path (the relay's DebeziumPatches reads it by reflection at start).
     */
    public static final String OUTBOX_RELAY_PATCH = "measurements applied on the calling thread, not queued per event for a publisher thread of their own";
    private static final Logger LOGGER = LoggerFactory.getLogger(MeasurementCollector.class);

    private final Map<Class<T>, Measurement<T>> measurements = new ConcurrentHashMap<>();

    public MeasurementCollector() {
    }

    @Override
    public void accept(T measurementEvent) {
        Measurement<T> measurement = measurements.get(measurementEvent.getClass());
        if (measurement != null) {
            try {
                measurement.accept(measurementEvent);
            }
            catch (RuntimeException e) {
                LOGGER.warn("Failed to add measurement value for measurement event {}", measurementEvent, e);
            }
        }
    }

    public void addMeasurement(Class<T> clazz, Measurement<T> measurement) {
        if (measurements.containsKey(clazz)) {
            throw new DebeziumException("Duplicate measurement event for measurement class " + clazz.getName());
        }
        measurements.put(clazz, measurement);
    }

    /** Nothing to start: there is no publisher thread. */
    public void start() {
    }

    /** Nothing to stop: there is no publisher thread. */
    public void stop() {
    }

    /** Nothing queued to drop. */
    public void reset() {
    }
}
