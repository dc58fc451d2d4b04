package io.outboxrelay.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.outboxrelay.testkit.DeliveryCheck;

/** The header names have one definition; testkit, which cannot depend on this module, repeats one and is held to it. */
class OutboxHeadersUnitTests {

    @Test
    void testkitsDeliveryCheckReadsTheEventIdHeaderTheRelayWrites() {
        assertThat(DeliveryCheck.EVENT_ID_HEADER).isEqualTo(OutboxHeaders.EVENT_ID);
    }
}
