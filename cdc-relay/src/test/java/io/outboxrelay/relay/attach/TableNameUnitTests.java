package io.outboxrelay.relay.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.outboxrelay.relay.config.ConfigException;

class TableNameUnitTests {

    @Test
    void foldsUnquotedNamesToLowerCaseLikePostgres() {
        assertThat(TableName.parse("Legacy.Orders")).isEqualTo(new TableName("legacy", "orders"));
    }

    @Test
    void keepsQuotedNamesAsTheyAreWithDotsSpacesAndDoubledQuotes() {
        TableName name = TableName.parse("\"My.Schema\".\"odd \"\"name\"\"; DROP TABLE x\"");

        assertThat(name).isEqualTo(new TableName("My.Schema", "odd \"name\"; DROP TABLE x"));
        assertThat(name.toString()).isEqualTo("\"My.Schema\".\"odd \"\"name\"\"; DROP TABLE x\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"legacy.orders; DROP TABLE x", "orders", "a.b.c", "legacy.", ".orders", "legacy.\"orders",
            "legacy.\"\"", "legacy.\"orders\"x", "legacy.ord'ers", "legacy.orders--", "legacy .orders", ""})
    void rejectsAnythingButSchemaDotTableWithAMessageShowingTheForm(String text) {
        assertThatThrownBy(() -> TableName.parse(text))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--capture-table '" + text + "' is not schema.table: ")
                .hasMessageContaining("e.g. legacy.orders");
    }
}
