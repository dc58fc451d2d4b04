package io.outboxrelay.relay.kafka;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.connect.source.SourceRecord;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;

/** The engine's committer as the sinks see it: what they marked processed, and how many batches they finished. */
final class RecordingCommitter implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
    final List<RecordChangeEvent<SourceRecord>> marked = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger batchesFinished = new AtomicInteger();

    @Override
    public void markProcessed(RecordChangeEvent<SourceRecord> record) {
        marked.add(record);
    }

    @Override
    public void markBatchFinished() {
        batchesFinished.incrementAndGet();
    }

    @Override
    public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
        marked.add(record);
    }

    @Override
    public DebeziumEngine.Offsets buildOffsets() {
        throw new UnsupportedOperationException();
    }
}
