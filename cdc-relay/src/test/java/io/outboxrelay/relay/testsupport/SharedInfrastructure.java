package io.outboxrelay.relay.testsupport;

import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * One PostgreSQL and one Kafka for all relay integration tests in this JVM, started on first use.
 * Tests stay apart through their own database, slot and topics ({@link RelayFixture}); the testkit
 * stops both servers when the JVM exits.
 */
public final class SharedInfrastructure {

    private SharedInfrastructure() {
    }

    private static final class Holder {
        static final PostgresInstance POSTGRES = Infrastructure.startPostgres();
        static final KafkaInstance KAFKA = Infrastructure.startKafka();
    }

    public static RelayFixture newFixture() throws java.sql.SQLException {
        return new RelayFixture(Holder.POSTGRES, Holder.KAFKA);
    }

    /** A fixture whose database has no outbox yet. */
    public static RelayFixture newEmptyFixture() throws java.sql.SQLException {
        return new RelayFixture(Holder.POSTGRES, Holder.KAFKA, false);
    }

    public static PostgresInstance postgres() {
        return Holder.POSTGRES;
    }

    public static KafkaInstance kafka() {
        return Holder.KAFKA;
    }
}
