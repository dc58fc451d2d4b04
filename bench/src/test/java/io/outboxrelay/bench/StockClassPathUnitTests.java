package io.outboxrelay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StockClassPathUnitTests {

    @TempDir
    Path dir;

    @Test
    void followsTheBenchJarsManifestAndLeavesTheRelayAndTheDebeziumPatchesOut() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path relay = emptyJar(lib.resolve("cdc-relay-0.1.0-SNAPSHOT.jar"), null);
        Path patches = emptyJar(lib.resolve("debezium-patches-0.1.0-SNAPSHOT.jar"), null);
        Path debezium = emptyJar(lib.resolve("debezium-connector-common-3.6.1.Final.jar"), null);
        Path kafka = emptyJar(lib.resolve("connect-runtime-4.3.0.jar"), null);
        Path bench = emptyJar(dir.resolve("outbox-bench.jar"), "lib/cdc-relay-0.1.0-SNAPSHOT.jar lib/debezium-patches-0.1.0-SNAPSHOT.jar"
                + " lib/debezium-connector-common-3.6.1.Final.jar lib/connect-runtime-4.3.0.jar");

        String stock = StockClassPath.of(bench.toString());

        assertThat(List.of(stock.split(File.pathSeparator))).containsExactly(debezium.toString(), kafka.toString());
        assertThat(stock).doesNotContain(relay.getFileName().toString()).doesNotContain(patches.getFileName().toString())
                .doesNotContain("outbox-bench.jar");
    }

    @Test
    void keepsPlainEntriesAndDropsTheRelaysAndThePatchesClassesDirectories() throws IOException {
        Path relayClasses = Files.createDirectories(dir.resolve("cdc-relay/target/classes"));
        Path patchesClasses = Files.createDirectories(dir.resolve("debezium-patches/target/classes"));
        Path benchClasses = Files.createDirectories(dir.resolve("bench/target/classes"));
        Path debezium = emptyJar(dir.resolve("debezium-embedded-3.6.1.Final.jar"), null);

        String stock = StockClassPath.of(String.join(File.pathSeparator, relayClasses.toString(), patchesClasses.toString(),
                benchClasses.toString(), debezium.toString()));

        assertThat(List.of(stock.split(File.pathSeparator))).containsExactly(benchClasses.toString(), debezium.toString());
    }

    @Test
    void followsAbsoluteFileUrlsAsSurefiresBooterJarWritesThem() throws IOException {
        Path debezium = emptyJar(dir.resolve("debezium-api-3.6.1.Final.jar"), null);
        Path relay = emptyJar(dir.resolve("cdc-relay-0.1.0-SNAPSHOT.jar"), null);
        Path booter = emptyJar(dir.resolve("surefirebooter.jar"), relay.toUri() + " " + debezium.toUri());

        assertThat(StockClassPath.of(booter.toString())).isEqualTo(debezium.toString());
    }

    private static Path emptyJar(Path path, String classPath) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) {
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
        return path;
    }
}
