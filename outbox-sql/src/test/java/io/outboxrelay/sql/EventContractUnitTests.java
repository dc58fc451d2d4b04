package io.outboxrelay.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * {@code docs/events.md}, the contract people read, and {@link EventContract}, the one the services compile against,
 * name the same events: each of the code's event types is described there under its aggregate with a JSON example,
 * and the document describes no event the code does not know.
 */
class EventContractUnitTests {

    /** A line that starts describing an event: {@code `OrderPlaced` (version 1)}, {@code `PaymentFailed`: the ...}. */
    private static final Pattern EVENT_LINE = Pattern.compile("^`([A-Z][A-Za-z]+)`(?: \\(|:)");
    private static final Pattern AGGREGATE_HEADING = Pattern.compile("^## Aggregate `([A-Za-z]+)`");

    @Test
    void docsDescribeEachEventTypeOfTheContractUnderItsAggregateWithAnExample() throws IOException {
        Map<String, List<String>> described = describedEvents();

        assertThat(described.keySet()).containsExactly(EventContract.Order.AGGREGATE_TYPE, EventContract.Payment.AGGREGATE_TYPE);
        assertThat(described.get(EventContract.Order.AGGREGATE_TYPE)).containsExactlyElementsOf(EventContract.Order.EVENT_TYPES);
        assertThat(described.get(EventContract.Payment.AGGREGATE_TYPE))
                .containsExactlyInAnyOrderElementsOf(EventContract.Payment.EVENT_TYPES);
    }

    @Test
    void contractWritesAmountsWithTwoDecimalsAndTimestampsInUtcWithMilliseconds() {
        assertThat(EventContract.amount(new java.math.BigDecimal("25"))).isEqualTo("25.00");
        assertThat(EventContract.timestamp(java.time.Instant.parse("2026-11-27T10:15:30Z"))).isEqualTo("2026-11-27T10:15:30.000Z");
    }

    /** Per aggregate section of docs/events.md, the events that have a JSON example after their line. */
    private static Map<String, List<String>> describedEvents() throws IOException {
        List<String> lines = Files.readAllLines(repositoryRoot().resolve("docs/events.md"));
        Map<String, List<String>> out = new LinkedHashMap<>();
        String aggregate = null;
        String pending = null; // an event line seen, its example not yet
        for (String line : lines) {
            Matcher heading = AGGREGATE_HEADING.matcher(line);
            if (line.startsWith("## ")) {
                aggregate = heading.find() ? heading.group(1) : null;
                pending = null;
                if (aggregate != null) {
                    out.put(aggregate, new ArrayList<>());
                }
                continue;
            }
            Matcher event = EVENT_LINE.matcher(line);
            if (aggregate != null && event.find()) {
                pending = event.group(1);
            }
            else if (aggregate != null && pending != null && line.startsWith("```json")) {
                out.get(aggregate).add(pending);
                pending = null;
            }
        }
        return out;
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (mvnw and docs/) above " + Path.of("").toAbsolutePath());
    }
}
