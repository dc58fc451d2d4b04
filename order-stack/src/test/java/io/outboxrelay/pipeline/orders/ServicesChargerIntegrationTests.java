package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.outboxrelay.consumers.payment.PaymentCharger;
import io.outboxrelay.consumers.payment.SimulatedGateway;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;

/** A payment charger that cannot work fails the pipeline with one line, as a failed consumer does. */
class ServicesChargerIntegrationTests {

    @Test
    void chargerStoppedByAPermanentDatabaseErrorFailsThePipelineWithOneLine() throws Exception {
        try (PostgresInstance postgres = Infrastructure.startPostgres(); Services services = new Services(postgres, null)) {
            services.database("payments", 1, true); // created, never migrated: no payment table
            services.charger(new PaymentCharger(services.consumerPool("payments", "payments-charger"),
                    new SimulatedGateway(0.0, Duration.ZERO, 7), PaymentCharger.Settings.defaults()));

            String failure = services.failure().get(10, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(failure).startsWith("payment charger failed: the payments database refused the charger's work:")
                    .contains("relation \"payment.payment\" does not exist", "SQLState 42P01", "run the payments migrations")
                    .doesNotContain("\n");
        }
    }
}
