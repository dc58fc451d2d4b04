package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicCompactionUnitTests {

    private static final String DLQ = "outbox.dead-letter";

    @Test
    void compactsNothingWithoutAPattern() {
        TopicCompaction none = TopicCompaction.of("", DLQ);

        assertThat(none.test("outbox.Customer")).isFalse();
        assertThat(none.test(DLQ)).isFalse();
    }

    @Test
    void compactsEventTopicsWhoseWholeNameMatches() {
        TopicCompaction compaction = TopicCompaction.of("outbox\\.(Customer|Product)", DLQ);

        assertThat(compaction.test("outbox.Customer")).isTrue();
        assertThat(compaction.test("outbox.Product")).isTrue();
        assertThat(compaction.test("outbox.Order")).isFalse();
        assertThat(compaction.test("outbox.CustomerX")).as("the whole name must match").isFalse();
    }

    @Test
    void compactsTheDeadLetterTopicOnlyWhenThePatternNamesItLiterally() {
        assertThat(TopicCompaction.of("outbox\\..*", DLQ).test(DLQ)).as("wildcard").isFalse();
        assertThat(TopicCompaction.of(".*", DLQ).test(DLQ)).as("wildcard").isFalse();
        assertThat(TopicCompaction.of("outbox\\.dead-.*", DLQ).test(DLQ)).as("wildcard").isFalse();
        assertThat(TopicCompaction.of("outbox\\.(dead-letter|Customer)", DLQ).test(DLQ)).as("inside a group").isFalse();

        assertThat(TopicCompaction.of("outbox\\.Customer|outbox\\.dead-letter", DLQ).test(DLQ)).isTrue();
        assertThat(TopicCompaction.of("outbox.dead-letter", DLQ).test(DLQ)).as("unescaped dot").isTrue();
        assertThat(TopicCompaction.of("^outbox\\.dead-letter$", DLQ).test(DLQ)).as("anchored").isTrue();
        assertThat(TopicCompaction.of("\\Qoutbox.dead-letter\\E|x", DLQ).test(DLQ)).as("quoted").isTrue();
    }

    @Test
    void splitsOnlyAtTopLevelAlternatives() {
        assertThat(TopicCompaction.alternatives("a|(b|c)|[|]|\\||\\Qd|e\\E"))
                .containsExactly("a", "(b|c)", "[|]", "\\|", "\\Qd|e\\E");
    }
}
