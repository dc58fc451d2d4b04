package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.SavedPosition;
import io.outboxrelay.relay.testsupport.Delivery;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.StartupOutcome;

/**
 * Scenario 7: the replication slot dropped, or the saved position deleted, while the relay was down.
 * A gap is refused with one line naming it and the way out, never skipped silently; the way out
 * (recovery.resend.since) re-sends what the gap held, so nothing committed is lost.
 */
class RelayGapIntegrationTests {

    private static final SampleEventLoad.Plan BATCH = new SampleEventLoad.Plan(100, 2, 1, 10, 10, 40, 100);
    private static final Pattern SUGGESTED_SINCE = Pattern.compile("recovery\\.resend\\.since=(\\S+)");

    @TempDir
    Path dir;

    /**
     * Both halves of scenario 7 on one outbox. A deleted saved position is no gap: Debezium resumes where
     * the slot confirmed, which trails what was relayed, so a few events are sent again and none is
     * skipped. A dropped slot is a gap: refused with one line, then re-sent as that line says.
     */
    @Test
    void neverSkipsWhatWasCommittedWhileTheSavedPositionOrTheSlotWasGone() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        RelayConfig config = fixture.relayConfig();
        SampleEventLoad load = new SampleEventLoad(fixture.dataSource());
        List<SampleEventLoad.Result> written = new ArrayList<>();
        try (Relay relay = Relay.start(config)) {
            written.add(load.run(BATCH, n -> { }));
            Delivery.awaitNothingLost(fixture, written);
        }
        deleteSavedPosition(fixture, config);
        assertThat(SavedPosition.read(config, "test")).isNull();
        written.add(load.run(BATCH, n -> { }));
        try (Relay relay = Relay.start(config)) {
            Delivery delivery = Delivery.awaitNothingLost(fixture, written);
            System.out.printf("saved position deleted: %d events sent again, of %d relayed before (%s)%n",
                    delivery.duplicateCount(), size(written.get(0)), delivery);
        }

        fixture.sql("SELECT pg_drop_replication_slot('" + slot(config) + "')");
        written.add(load.run(BATCH, n -> { })); // committed while nothing captured them
        SavedPosition saved = SavedPosition.read(config, "test");

        StartupOutcome refused = StartupOutcome.run(dir, fixture.relayProperties(Map.of()));

        String line = refused.assertOneLine(RelayCli.EXIT_STARTUP, "relay '" + config.get(RelayConfig.RELAY_NAME)
                        + "' saved its position at LSN " + saved.lsn() + " (committed " + saved.committedAt().truncatedTo(ChronoUnit.MILLIS)
                        + ") in offset topic " + config.get(RelayConfig.OFFSET_TOPIC) + ", but replication slot '" + slot(config)
                        + "' does not exist on ", ": the outbox rows committed since would be skipped; to re-send them, set recovery.resend.since=",
                "and start again (after 'relay attach' if the relay was detached)", "recovery.accept.gap=true would skip them");
        String since = suggestedSince(line);

        try (Relay relay = Relay.start(fixture.relayConfig(Map.of("recovery.resend.since", since)))) {
            written.add(load.run(BATCH, n -> { })); // while re-sending and streaming from the new slot
            Delivery delivery = Delivery.awaitNothingLost(fixture, written);
            System.out.printf("slot dropped: %d events while it was missing, %d after recovery; re-sent since %s: %s%n",
                    size(written.get(2)), size(written.get(3)), since, delivery);
            assertThat(delivery.fromRolledBack).isEmpty();
            assertThat(delivery.misrouted).isEmpty();
            assertThat(delivery.duplicates.values()).as("sent twice at most").allMatch(n -> n <= 2);
        }
    }

    @Test
    void refusesASlotThatConfirmedPastTheSavedPositionAndSkipsTheGapOnlyWhenToldTo() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        RelayConfig config = fixture.relayConfig();
        SampleEventLoad load = new SampleEventLoad(fixture.dataSource());
        List<SampleEventLoad.Result> written = new ArrayList<>();
        try (Relay relay = Relay.start(config)) {
            written.add(load.run(BATCH, n -> { }));
            Delivery.awaitNothingLost(fixture, written);
        }
        SampleEventLoad.Result skipped = load.run(BATCH, n -> { });
        // as if another relay had used the slot meanwhile: PostgreSQL would start after these rows
        fixture.sql("SELECT pg_replication_slot_advance('" + slot(config) + "', pg_current_wal_lsn())");

        StartupOutcome refused = StartupOutcome.run(dir, fixture.relayProperties(Map.of()));

        refused.assertOneLine(RelayCli.EXIT_STARTUP, "but replication slot '" + slot(config) + "' on ",
                " has confirmed up to ", ", past that position: the outbox rows committed since would be skipped");

        try (Relay relay = Relay.start(fixture.relayConfig(Map.of("recovery.accept.gap", "true")))) {
            written.add(load.run(BATCH, n -> { }));
            Delivery delivery = Delivery.awaitNothingLost(fixture, written);
            Delivery gap = Delivery.compare(skipped, fixture.topicPrefix, fixture.readAll(fixture.sampleTopics()));
            assertThat(gap.lost).as("recovery.accept.gap skips what the gap held, and only that").hasSize(size(skipped));
            assertThat(delivery.duplicateCount()).isZero();
        }
    }

    private static int size(SampleEventLoad.Result result) {
        return result.committed().size();
    }

    private static String slot(RelayConfig config) {
        return config.get(RelayConfig.SLOT_NAME);
    }

    private static String suggestedSince(String line) {
        Matcher m = SUGGESTED_SINCE.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return m.group(1);
    }

    /** A tombstone for the relay's key, as Kafka Connect writes it: the offset store forgets the position. */
    private static void deleteSavedPosition(RelayFixture fixture, RelayConfig config) throws Exception {
        String name = config.get(RelayConfig.RELAY_NAME);
        byte[] key = ("[\"" + name + "\",{\"server\":\"" + name + "\"}]").getBytes(StandardCharsets.UTF_8);
        Map<String, Object> props = new HashMap<>(fixture.kafka.adminClientProperties());
        props.put("bootstrap.servers", fixture.kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(config.get(RelayConfig.OFFSET_TOPIC), key, null)).get();
        }
    }
}
