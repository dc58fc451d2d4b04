package io.outboxrelay.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * How a contender hands its settings to the main class of its child JVM: a properties file in the
 * bench's log directory (so it stays next to the child's log for whoever reads the results), the
 * database password only in the environment ({@value #PASSWORD_ENV}), never in the file, on the
 * command line or in a log.
 */
final class ChildSettings {

    /** The environment variable that carries the database password to a child. */
    static final String PASSWORD_ENV = "BENCH_DATABASE_PASSWORD";

    static final String JDBC_URL = "jdbc.url";
    static final String DATABASE_USER = "database.user";

    private final Path file;
    private final Properties properties;

    private ChildSettings(Path file, Properties properties) {
        this.file = file;
        this.properties = properties;
    }

    /** Writes {@code settings} (sorted, so the file reads well) to {@code file}; returns the file. */
    static Path write(Path file, Map<String, String> settings) {
        return write(file, settings, "written by the bench for its child JVM; the password is in $" + PASSWORD_ENV);
    }

    /** As {@link #write(Path, Map)}, with {@code comment} at the top (for children that read their own format). */
    static Path write(Path file, Map<String, String> settings, String comment) {
        Properties p = new Properties();
        p.putAll(new TreeMap<>(settings));
        try (Writer out = Files.newBufferedWriter(file)) {
            p.store(out, comment);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** The connection settings every child needs, from {@code context}. */
    static Map<String, String> database(BenchContext context) {
        return Map.of(JDBC_URL, context.jdbcUrl(), DATABASE_USER, context.user());
    }

    /** The environment a child needs: the password. */
    static Map<String, String> environment(BenchContext context) {
        return Map.of(PASSWORD_ENV, context.password());
    }

    /**
     * For a child's main: the settings file named by its only argument.
     *
     * @throws IllegalArgumentException with a one-line message if there is no such argument or file
     */
    static ChildSettings load(String mainClass, String[] args) {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: " + mainClass + " SETTINGS_FILE (a properties file; the database "
                    + "password in $" + PASSWORD_ENV + ")");
        }
        Path file = Path.of(args[0]);
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        catch (IOException e) {
            throw new IllegalArgumentException("cannot read settings file " + file + ": " + e.getMessage());
        }
        return new ChildSettings(file, p);
    }

    String get(String key) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + " is missing in " + file + "; add it");
        }
        return value.trim();
    }

    /** A whole number of at least {@code min}, or {@code defaultValue} when the file does not set it. */
    long getLong(String key, long defaultValue, long min) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min) {
                return n;
            }
        }
        catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " in " + file + " is '" + value.trim() + "'; set a whole number of at least "
                + min);
    }

    /** The user and password for the database, and {@code applicationName} for pg_stat_activity. */
    Properties connectionProperties(String applicationName) {
        String password = System.getenv(PASSWORD_ENV);
        if (password == null) {
            throw new IllegalArgumentException("$" + PASSWORD_ENV + " is not set; pass the database password in it");
        }
        Properties p = new Properties();
        p.setProperty("user", get(DATABASE_USER));
        p.setProperty("password", password);
        p.setProperty("ApplicationName", applicationName);
        return p;
    }
}
