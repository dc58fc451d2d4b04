package io.outboxrelay.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.replication.LogSequenceNumber;

import io.outboxrelay.sql.OutboxSchema;

class StreamingDecodeContenderIntegrationTests {

    @TempDir
    Path logs;

    @Test
    void countsEveryOutboxInsertCommittedAfterStartButNoHeartbeatAndAcknowledgesThemToTheSlot() throws Exception {
        ContenderTestBed bed = ContenderTestBed.create();
        StreamingDecodeContender contender = new StreamingDecodeContender();
        try (EventWriter writer = new EventWriter(bed.dataSource(), 200)) {
            writer.write(300, 100);
            try (contender) {
                contender.start(bed.context(logs));
                assertThat(bed.column("SELECT slot_name FROM pg_replication_slots WHERE database = current_database()"))
                        .containsExactly(StreamingDecodeContender.SLOT);
                assertThat(contender.topic()).isNull();

                writer.write(1000, 100);
                heartbeat(bed);
                await().atMost(Duration.ofSeconds(60)).until(contender::delivered, n -> n >= 1000);

                contender.process().pause();
                writer.write(1000, 100);
                String afterEvents = bed.column("SELECT pg_current_wal_lsn()::text").get(0);
                heartbeat(bed);
                assertThat(contender.delivered()).isEqualTo(1000);
                contender.process().resume();

                // the heartbeat after the events has been acknowledged: every event before it was counted
                await().atMost(Duration.ofSeconds(60)).until(() -> lsn(contender.progress().acknowledgedLsn())
                        >= lsn(afterEvents));
                assertThat(contender.delivered()).isEqualTo(2000);
                await().atMost(Duration.ofSeconds(30)).until(() -> lsn(confirmedFlush(bed)) >= lsn(afterEvents));
            }
        }
        assertThat(contender.process().isAlive()).isFalse();
        assertThat(bed.column("SELECT slot_name FROM pg_replication_slots WHERE database = current_database()")).isEmpty();
    }

    private static void heartbeat(ContenderTestBed bed) throws SQLException {
        try (Connection c = bed.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(OutboxSchema.HEARTBEAT_SQL);
        }
    }

    private static String confirmedFlush(ContenderTestBed bed) throws SQLException {
        return bed.column("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '"
                + StreamingDecodeContender.SLOT + "'").get(0);
    }

    private static long lsn(String text) {
        return LogSequenceNumber.valueOf(text).asLong();
    }
}
