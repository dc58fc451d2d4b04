package io.outboxrelay.consumers.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;

/** The PENDING payment gauges, polled from a real payments schema. */
class PendingPaymentsIntegrationTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ConsumerFixture fixture;
    private PendingPayments pending;

    @BeforeEach
    void setUp() {
        fixture = new ConsumerFixture();
        PaymentProcessor.migrate(fixture.dataSource());
    }

    @AfterEach
    void tearDown() {
        if (pending != null) {
            pending.close();
        }
        fixture.close();
    }

    @Test
    void countsPendingPaymentsAndTheAgeOfTheOldest() throws Exception {
        pending = PendingPayments.start(fixture.dataSource(), registry, Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(10)).until(() -> gauge(PendingPayments.PENDING) == 0);
        assertThat(gauge(PendingPayments.OLDEST_AGE)).as("none pending").isZero();

        insert("PENDING", "90 seconds", null);
        insert("PENDING", "5 seconds", null);
        insert("REJECTED", "300 seconds", "credit limit");

        await().atMost(Duration.ofSeconds(10)).until(() -> gauge(PendingPayments.PENDING) == 2);
        assertThat(gauge(PendingPayments.OLDEST_AGE)).isBetween(90.0, 120.0);
    }

    @Test
    void gaugesAreNaNWhileTheDatabaseCannotBeReadAndGoWithClose() throws Exception {
        pending = PendingPayments.start(fixture.dataSource(), registry, Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(10)).until(() -> gauge(PendingPayments.PENDING) == 0);

        execute("ALTER TABLE payment.payment RENAME TO payment_moved");
        await().atMost(Duration.ofSeconds(10)).until(() -> Double.isNaN(gauge(PendingPayments.PENDING)));
        assertThat(gauge(PendingPayments.OLDEST_AGE)).isNaN();

        execute("ALTER TABLE payment.payment_moved RENAME TO payment");
        await().atMost(Duration.ofSeconds(10)).until(() -> gauge(PendingPayments.PENDING) == 0);

        pending.close();
        assertThat(registry.find(PendingPayments.PENDING).gauge()).isNull();
        assertThat(registry.find(PendingPayments.OLDEST_AGE).gauge()).isNull();
        pending = null;
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private void insert(String status, String age, String reason) throws SQLException {
        UUID order = UUID.randomUUID();
        execute("INSERT INTO payment.payment (order_id, customer_id, amount, status, idempotency_key, attempt_count, reason,"
                + " created_at, currency, placed_at) VALUES ('" + order + "', '" + UUID.randomUUID() + "', 10.00, '" + status
                + "', 'key-" + order + "', 0, " + (reason == null ? "NULL" : "'" + reason + "'") + ", now() - interval '" + age
                + "', 'EUR', now() - interval '" + age + "')");
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = fixture.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
            c.commit();
        }
    }
}
