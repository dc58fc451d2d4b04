package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class SavedPositionUnitTests {

    @Test
    void readsLsnTransactionAndCommitTimeFromDebeziumsOffsetValue() {
        byte[] value = "{\"lsn_proc\":30833392,\"messageType\":\"INSERT\",\"lsn_commit\":30833392,\"lsn\":30833392,\"txId\":812,\"ts_usec\":1700000000123456}"
                .getBytes(StandardCharsets.UTF_8);

        SavedPosition position = SavedPosition.parse(value);

        assertThat(position.lsn()).isEqualTo("0/1D67AF0");
        assertThat(position.txId()).isEqualTo(812);
        assertThat(position.committedAt()).isEqualTo(Instant.parse("2023-11-14T22:13:20.123456Z"));
    }

    @Test
    void namesTheFurthestOfItsLsnsAndWhetherASnapshotWasLeftUnfinished() {
        SavedPosition streaming = SavedPosition.parse(("{\"lsn_proc\":30833392,\"lsn_commit\":30833000,\"lsn\":30833100,"
                + "\"txId\":812,\"ts_usec\":1700000000123456}").getBytes(StandardCharsets.UTF_8));
        SavedPosition inSnapshot = SavedPosition.parse(("{\"lsn\":30833392,\"ts_usec\":1700000000123456,\"snapshot\":\"INITIAL\","
                + "\"last_snapshot_record\":false,\"snapshot_completed\":false}").getBytes(StandardCharsets.UTF_8));
        SavedPosition snapshotDone = SavedPosition.parse(("{\"lsn\":30833392,\"snapshot\":\"INITIAL\","
                + "\"last_snapshot_record\":true,\"snapshot_completed\":true}").getBytes(StandardCharsets.UTF_8));

        assertThat(streaming.furthestLsn()).isEqualTo("0/1D67AF0");
        assertThat(streaming.snapshotRunning()).isFalse();
        assertThat(inSnapshot.snapshotRunning()).isTrue();
        assertThat(snapshotDone.snapshotRunning()).isFalse();
    }

    @Test
    void writesLsnsLikePostgreSql() {
        assertThat(SavedPosition.lsnText(0x16_B374D848L)).isEqualTo("16/B374D848");
        assertThat(SavedPosition.lsnText(0)).isEqualTo("0/0");
    }
}
