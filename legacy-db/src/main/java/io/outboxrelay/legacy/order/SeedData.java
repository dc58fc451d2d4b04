package io.outboxrelay.legacy.order;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;

import javax.sql.DataSource;

/**
 * Customers and products to order from, derived from a seed alone: the same seed gives the same
 * ids, names, credit limits and prices on every machine, and asking for more rows keeps the first
 * ones unchanged. Inserting is idempotent, so tests and demos can seed without checking first.
 */
public final class SeedData {

    /** What {@link #generate} made. */
    public record Catalog(List<Customer> customers, List<Product> products) {

        public Catalog {
            customers = List.copyOf(customers);
            products = List.copyOf(products);
        }

        public List<UUID> customerIds() {
            return customers.stream().map(Customer::id).toList();
        }

        public List<UUID> productIds() {
            return products.stream().map(Product::id).toList();
        }
    }

    private SeedData() {
    }

    /**
     * Credit limits from 200.00 to 5000.00 in steps of 50.00, so some customers cannot afford a
     * large order; prices from 1.00 to 200.00 to the cent.
     */
    public static Catalog generate(int customers, int products, long seed) {
        if (customers < 0 || products < 0) {
            throw new IllegalArgumentException("counts must not be negative: " + customers + " customers, "
                    + products + " products");
        }
        // One generator per kind, drawn in index order: that is what keeps a prefix stable.
        Random customerRandom = new Random(seed);
        List<Customer> customerRows = new ArrayList<>(customers);
        for (int i = 0; i < customers; i++) {
            BigDecimal creditLimit = BigDecimal.valueOf(200 + 50L * customerRandom.nextInt(97)).setScale(2);
            customerRows.add(new Customer(id(seed, "customer", i), String.format(Locale.ROOT, "Customer %05d", i + 1), creditLimit));
        }
        Random productRandom = new Random(~seed);
        List<Product> productRows = new ArrayList<>(products);
        for (int i = 0; i < products; i++) {
            BigDecimal price = BigDecimal.valueOf(100 + productRandom.nextInt(19_901), 2);
            productRows.add(new Product(id(seed, "product", i), String.format(Locale.ROOT, "Product %05d", i + 1), price));
        }
        return new Catalog(customerRows, productRows);
    }

    /** Generates and inserts; rows that already exist (same seed before) are left as they are. */
    public static Catalog insert(DataSource dataSource, int customers, int products, long seed) throws SQLException {
        Catalog catalog = generate(customers, products, seed);
        try (Connection c = dataSource.getConnection()) {
            Transactions.inTransaction(c, () -> {
                insertRows(c, catalog);
                return null;
            });
        }
        return catalog;
    }

    private static void insertRows(Connection c, Catalog catalog) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO legacy.customers (id, name, credit_limit)"
                + " VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            for (Customer customer : catalog.customers()) {
                ps.setObject(1, customer.id());
                ps.setString(2, customer.name());
                ps.setBigDecimal(3, customer.creditLimit());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO legacy.products (id, name, price)"
                + " VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            for (Product product : catalog.products()) {
                ps.setObject(1, product.id());
                ps.setString(2, product.name());
                ps.setBigDecimal(3, product.price());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Name-based (type 3) UUID: distinct per seed, kind and index, and the same on every run. */
    private static UUID id(long seed, String kind, int index) {
        return UUID.nameUUIDFromBytes(("legacy-seed/" + seed + "/" + kind + "/" + index).getBytes(StandardCharsets.UTF_8));
    }
}
