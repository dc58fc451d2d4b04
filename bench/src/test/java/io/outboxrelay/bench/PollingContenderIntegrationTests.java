package io.outboxrelay.bench;

import static io.outboxrelay.bench.ContenderTestBed.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.sql.OutboxHeaders;


class PollingContenderIntegrationTests {

    private static final int PAYLOAD_BYTES = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path logs;

    @Test
    void publishesEveryRowOnceInCommitOrderPerAggregateAndDeletesItAfterKafkaAcknowledgedIt() throws Exception {
        ContenderTestBed bed = ContenderTestBed.create();
        String topic = bed.createTopic("polling");
        PollingContender contender = new PollingContender(topic);
        Map<String, String> writtenWhilePaused;
        try (contender; EventWriter writer = new EventWriter(bed.dataSource(), PAYLOAD_BYTES)) {
            contender.start(bed.context(logs));
            writer.write(500, 100);
            await().atMost(Duration.ofSeconds(60)).until(contender::delivered, n -> n >= 500);
            await().atMost(Duration.ofSeconds(30)).until(() -> bed.column("SELECT event_id FROM outbox.event").isEmpty());

            // 1,500 events over 1,000 aggregates: 500 aggregates get two events in this backlog, to be sent in order
            contender.process().pause();
            writer.write(1500, 100);
            writtenWhilePaused = bed.pairs("SELECT event_id, payload::text FROM outbox.event");
            assertThat(writtenWhilePaused).as("rows left alone while paused").hasSize(1500);
            assertThat(contender.delivered()).isEqualTo(500);
            contender.process().resume();

            await().atMost(Duration.ofSeconds(60)).until(contender::delivered, n -> n >= 2000);
            await().atMost(Duration.ofSeconds(30)).until(() -> bed.column("SELECT event_id FROM outbox.event").isEmpty());
            assertThat(contender.delivered()).isEqualTo(2000);
        }
        assertThat(contender.process().isAlive()).isFalse();
        assertThat(bed.column("SELECT slot_name FROM pg_replication_slots WHERE database = current_database()")).isEmpty();

        List<ConsumerRecord<byte[], byte[]>> records = bed.readAll(topic);
        assertThat(records).hasSize(2000);
        Set<String> eventIds = new HashSet<>();
        Map<String, Long> lastSeqPerAggregate = new HashMap<>();
        int checkedAgainstRows = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            JsonNode value = JSON.readTree(r.value());
            long seq = value.get("seq").asLong();
            assertThat(key).isEqualTo("agg-" + seq % EventWriter.AGGREGATES);
            assertThat(value).isEqualTo(JSON.readTree(EventWriter.payload(key, seq, PAYLOAD_BYTES)));
            assertThat(header(r, OutboxHeaders.AGGREGATE_TYPE)).isEqualTo("Order");
            assertThat(header(r, OutboxHeaders.EVENT_TYPE)).isEqualTo("BenchEventHappened");
            assertThat(header(r, OutboxHeaders.OCCURRED_AT)).isNotBlank();
            String eventId = header(r, contender.eventIdHeader());
            assertThat(eventIds.add(eventId)).as("event %s sent once", eventId).isTrue();
            String row = writtenWhilePaused.get(eventId);
            if (row != null) {
                assertThat(value).isEqualTo(JSON.readTree(row));
                checkedAgainstRows++;
            }
            Long previous = lastSeqPerAggregate.put(key, seq);
            assertThat(previous == null || previous < seq).as("aggregate %s: seq %s after %s", key, seq, previous).isTrue();
        }
        assertThat(checkedAgainstRows).isEqualTo(writtenWhilePaused.size());
    }
}
