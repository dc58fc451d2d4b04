package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.attach.AttachIntegrationTests;
import io.outboxrelay.relay.attach.MaliciousIdentifiersIntegrationTests;
import io.outboxrelay.relay.kafka.RelayKafkaSecurityIntegrationTests;
import io.outboxrelay.relay.kafka.RelayTlsIntegrationTests;
import io.outboxrelay.relay.preflight.RelayPreflightIntegrationTests;
import io.outboxrelay.relay.preflight.RelayStartupErrorsIntegrationTests;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.TestRunLogs;

/**
 * Runs last (junit-platform.properties orders classes by {@link Order}): every log line this run
 * wrote, in this JVM and in the child relays, is scanned for the passwords and JAAS secrets the
 * tests used, and for unmasked password or JAAS settings.
 */
@Order(Integer.MAX_VALUE)
class TestRunLogsIntegrationTests {

    /** password=..., password: ..., password="..." with a value that is not the mask. */
    private static final Pattern UNMASKED = Pattern.compile(
            "(?i)(password|secret)\\s*[=:]\\s*\"?(?!\\*\\*\\*\\*)(?![\\s\",;)]|$)[^\\s\",;]+");

    @Test
    void noPasswordOrJaasSecretAppearsInAnyLogLineOfTheRun() throws IOException {
        List<String> secrets = List.of(SharedInfrastructure.postgres().superuserPassword(), AttachIntegrationTests.ROLE_PASSWORD,
                AttachIntegrationTests.APP_PASSWORD, RelayPreflightIntegrationTests.ROLE_PASSWORD,
                RelayKafkaSecurityIntegrationTests.RELAY.password(), RelayStartupErrorsIntegrationTests.WRONG_PASSWORD,
                RelayStartupErrorsIntegrationTests.HEARTBEAT_ROLE_PASSWORD, RelayTlsIntegrationTests.TRUSTSTORE_PASSWORD, MaliciousIdentifiersIntegrationTests.ROLE_PASSWORD);
        FileTime runStarted = FileTime.fromMillis(ManagementFactory.getRuntimeMXBean().getStartTime());
        List<Path> files;
        try (Stream<Path> list = Files.list(TestRunLogs.directory())) {
            files = list.filter(f -> modifiedSince(f, runStarted)).sorted().toList();
        }
        List<String> lines = new ArrayList<>();
        for (Path f : files) {
            Files.readAllLines(f).forEach(line -> lines.add(f.getFileName() + ": " + line));
        }

        // the scan sees what matters: the relays' configuration dumps, with the secrets in them masked
        assertThat(files).extracting(f -> f.getFileName().toString()).contains("failsafe.log", "relay-process-1.log");
        assertThat(lines).anyMatch(l -> l.contains("database.password=****"));
        assertThat(lines).anyMatch(l -> l.contains("sasl.jaas.config=****"));
        for (String secret : secrets) {
            assertThat(lines).as("log lines containing a secret").noneMatch(l -> l.contains(secret));
        }
        assertThat(lines).as("log lines with an unmasked password or secret").noneMatch(l -> UNMASKED.matcher(l).find());
        System.out.printf("scanned %,d log lines in %s: no secret%n", lines.size(), files);
    }

    private static boolean modifiedSince(Path file, FileTime time) {
        try {
            return Files.getLastModifiedTime(file).compareTo(time) >= 0;
        }
        catch (IOException e) {
            return false;
        }
    }
}
