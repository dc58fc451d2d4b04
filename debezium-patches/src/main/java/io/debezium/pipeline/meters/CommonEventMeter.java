/*
 * Copyright Debezium Authors.
 *
 * Licensed under the Apache Software License version 2.0, available at http://www.apache.org/licenses/LICENSE-2.0
 */
package io.debezium.pipeline.meters;

/*
 * outbox-relay: a copy of Debezium 3.6.1.Final's io.debezium.pipeline.meters.CommonEventMeter (from
 * debezium-connector-common) with one change: the LastEvent metric's summary text is built when it is read
 * (getLastEvent, JMX), not for every event. onEvent keeps the event's parts instead.
 *
 * Why: onEvent runs on Debezium's streaming thread, the relay's bottleneck, once per event; building the
 * summary (source position map, the key Struct rendered as JSON through SchemaUtil) was about 7% of that
 * thread's CPU samples (JFR, docs/relay-profile.md) for a text nobody reads unless a JMX client asks.
 * The text read is the same: PostgreSQL's EventMetadataProvider summarises only the event's key and its value
 * Struct's source block (LSN, xmin), which are not changed after the event is dispatched; the offset context,
 * which does change, is passed along as before but PostgreSQL's provider does not read it.
 * debezium-patches comes before Debezium's jars on the relay's class path, so this class shadows Debezium's
 * (README.md of this module). PatchedCopiesUnitTests fails when Debezium's version changes: then compare with that version's CommonEventMeter, and delete this file or
 * copy it again and re-apply the change.
 */

import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.connect.data.Struct;

import io.debezium.annotation.ThreadSafe;
import io.debezium.data.Envelope.Operation;
import io.debezium.pipeline.metrics.traits.CommonEventMetricsMXBean;
import io.debezium.pipeline.source.spi.EventMetadataProvider;
import io.debezium.pipeline.spi.OffsetContext;
import io.debezium.spi.schema.DataCollectionId;
import io.debezium.util.Clock;

/**
 * Carries common event metrics.
 */
@ThreadSafe
public class CommonEventMeter implements CommonEventMetricsMXBean {

    /**
     * outbox-relay: what this copy of Debezium 3.6.1.Final's class changes. Its presence tells that this copy,
     * not Debezium's, won the class path (the relay's DebeziumPatches reads it by reflection at start).
     */
    public static final String OUTBOX_RELAY_PATCH = "LastEvent summary built when read (JMX), not for every event";

    protected final AtomicLong totalNumberOfEventsSeen = new AtomicLong();
    protected final AtomicLong totalNumberOfCreateEventsSeen = new AtomicLong();
    protected final AtomicLong totalNumberOfUpdateEventsSeen = new AtomicLong();
    protected final AtomicLong totalNumberOfDeleteEventsSeen = new AtomicLong();
    private final AtomicLong numberOfEventsFiltered = new AtomicLong();
    protected final AtomicLong numberOfErroneousEvents = new AtomicLong();
    protected final AtomicLong lastEventTimestamp = new AtomicLong(-1);
    private volatile LastEvent lastEvent;

    private final Clock clock;
    private final EventMetadataProvider metadataProvider;

    public CommonEventMeter(Clock clock, EventMetadataProvider metadataProvider) {
        this.clock = clock;
        this.metadataProvider = metadataProvider;
    }

    public void onEvent(DataCollectionId source, OffsetContext offset, Object key, Struct value, Operation operation) {
        updateCommonEventMetrics(operation);
        lastEvent = new LastEvent(source, offset, key, value);
    }

    /** outbox-relay: the last event's parts, summarised only when read. */
    private record LastEvent(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
    }

    private void updateCommonEventMetrics() {
        updateCommonEventMetrics(null);
    }

    private void updateCommonEventMetrics(Operation operation) {
        totalNumberOfEventsSeen.incrementAndGet();
        lastEventTimestamp.set(clock.currentTimeInMillis());

        if (operation != null) {
            switch (operation) {
                case CREATE:
                    totalNumberOfCreateEventsSeen.incrementAndGet();
                    break;
                case UPDATE:
                    totalNumberOfUpdateEventsSeen.incrementAndGet();
                    break;
                case DELETE:
                    totalNumberOfDeleteEventsSeen.incrementAndGet();
                    break;
                default:
                    break;
            }
        }
    }

    public void onFilteredEvent() {
        numberOfEventsFiltered.incrementAndGet();
        updateCommonEventMetrics();
    }

    public void onFilteredEvent(Operation operation) {
        numberOfEventsFiltered.incrementAndGet();
        updateCommonEventMetrics(operation);
    }

    public void onErroneousEvent() {
        numberOfErroneousEvents.incrementAndGet();
        updateCommonEventMetrics();
    }

    public void onErroneousEvent(Operation operation) {
        numberOfErroneousEvents.incrementAndGet();
        updateCommonEventMetrics(operation);
    }

    @Override
    public String getLastEvent() {
        LastEvent last = lastEvent;
        return last == null ? null : metadataProvider.toSummaryString(last.source(), last.offset(), last.key(), last.value());
    }

    @Override
    public long getMilliSecondsSinceLastEvent() {
        return (lastEventTimestamp.get() == -1) ? -1 : (clock.currentTimeInMillis() - lastEventTimestamp.get());
    }

    @Override
    public long getTotalNumberOfEventsSeen() {
        return totalNumberOfEventsSeen.get();
    }

    @Override
    public long getTotalNumberOfCreateEventsSeen() {
        return totalNumberOfCreateEventsSeen.get();
    }

    @Override
    public long getTotalNumberOfUpdateEventsSeen() {
        return totalNumberOfUpdateEventsSeen.get();
    }

    @Override
    public long getTotalNumberOfDeleteEventsSeen() {
        return totalNumberOfDeleteEventsSeen.get();
    }

    @Override
    public long getNumberOfEventsFiltered() {
        return numberOfEventsFiltered.get();
    }

    @Override
    public long getNumberOfErroneousEvents() {
        return numberOfErroneousEvents.get();
    }

    public void reset() {
        totalNumberOfEventsSeen.set(0);
        totalNumberOfCreateEventsSeen.set(0);
        totalNumberOfUpdateEventsSeen.set(0);
        totalNumberOfDeleteEventsSeen.set(0);
        lastEventTimestamp.set(-1);
        numberOfEventsFiltered.set(0);
        numberOfErroneousEvents.set(0);
        lastEvent = null;
    }
}
