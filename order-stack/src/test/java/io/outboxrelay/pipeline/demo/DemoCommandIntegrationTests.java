package io.outboxrelay.pipeline.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.outboxrelay.pipeline.PipelineCli;

import picocli.CommandLine;

/** The README's first command, end to end on embedded PostgreSQL and Kafka. */
class DemoCommandIntegrationTests {

    @Test
    void demoRelaysEveryCommittedSampleEventAndReportsIt() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exitCode;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exitCode = new CommandLine(new PipelineCli()).execute("demo", "--events", "1500", "--writers", "3");
        }
        finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        System.out.println(output);

        assertThat(exitCode).isZero();
        assertThat(output).contains("Committed 1,500 events")
                .contains("Kafka received 1,500 distinct events: lost 0, duplicates 0, from rolled-back transactions 0")
                .contains("Sample record: topic=outbox.")
                .contains("OK: every committed event arrived");
    }
}
