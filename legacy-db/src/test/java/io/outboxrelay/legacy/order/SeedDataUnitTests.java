package io.outboxrelay.legacy.order;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.HashSet;

import org.junit.jupiter.api.Test;

class SeedDataUnitTests {

    @Test
    void sameSeedGivesTheSameCatalog() {
        assertThat(SeedData.generate(20, 30, 42)).isEqualTo(SeedData.generate(20, 30, 42));
        assertThat(SeedData.generate(20, 30, 43).customerIds()).doesNotContainAnyElementsOf(
                SeedData.generate(20, 30, 42).customerIds());
    }

    @Test
    void askingForMoreRowsKeepsTheFirstOnes() {
        SeedData.Catalog small = SeedData.generate(10, 10, 7);
        SeedData.Catalog large = SeedData.generate(100, 50, 7);

        assertThat(large.customers().subList(0, 10)).isEqualTo(small.customers());
        assertThat(large.products().subList(0, 10)).isEqualTo(small.products());
    }

    @Test
    void creditLimitsAndPricesStayInTheirRangesAndVary() {
        SeedData.Catalog catalog = SeedData.generate(1000, 1000, 1);

        assertThat(catalog.customers()).allSatisfy(c -> {
            assertThat(c.creditLimit()).isBetween(new BigDecimal("200.00"), new BigDecimal("5000.00"));
            assertThat(c.creditLimit().scale()).isEqualTo(2);
        });
        assertThat(catalog.products()).allSatisfy(p -> {
            assertThat(p.price()).isBetween(new BigDecimal("1.00"), new BigDecimal("200.00"));
            assertThat(p.price().scale()).isEqualTo(2);
        });
        assertThat(new HashSet<>(catalog.customers().stream().map(Customer::creditLimit).toList())).hasSizeGreaterThan(50);
        assertThat(new HashSet<>(catalog.products().stream().map(Product::price).toList())).hasSizeGreaterThan(500);
        assertThat(new HashSet<>(catalog.customerIds())).hasSize(1000);
        assertThat(catalog.customers().get(0).name()).isEqualTo("Customer 00001");
    }
}
