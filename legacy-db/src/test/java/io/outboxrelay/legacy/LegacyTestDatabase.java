package io.outboxrelay.legacy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * One PostgreSQL for all legacy-db integration tests in this JVM, started on first use; each test
 * gets its own database. The testkit stops the server when the JVM exits.
 */
public final class LegacyTestDatabase {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private LegacyTestDatabase() {
    }

    private static final class Holder {
        static final PostgresInstance POSTGRES = Infrastructure.startPostgres();
    }

    public static PostgresInstance postgres() {
        return Holder.POSTGRES;
    }

    /** A new empty database; its name starts with {@code prefix}. */
    public static String createDatabase(String prefix) {
        String name = prefix + "_" + DATABASES.incrementAndGet();
        postgres().createDatabase(name);
        return name;
    }

    public static DataSource dataSource(String database) {
        return postgres().dataSource(database);
    }

    /** A new database with the outbox and the order tables. */
    public static DataSource migrated(String prefix) {
        DataSource ds = dataSource(createDatabase(prefix));
        LegacySchema.migrate(ds);
        return ds;
    }

    public static void execute(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The first column of every row, as text. */
    public static List<String> rows(DataSource ds, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    public static long count(DataSource ds, String sql) throws SQLException {
        return Long.parseLong(rows(ds, sql).get(0));
    }
}
