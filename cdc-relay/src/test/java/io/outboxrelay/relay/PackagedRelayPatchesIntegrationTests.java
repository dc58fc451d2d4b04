package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.DebeziumPatches.Loaded;

/**
 * The packaged relay (target/outbox-relay.jar, run as {@code java -jar}: its manifest's Class-Path names target/lib's
 * jars in Maven's order) runs on debezium-patches' copies, not on Debezium's own. Runs after {@code package}; the class
 * loader follows the jar's manifest as the JVM's does for {@code java -jar}, and sees nothing of the test class path.
 */
class PackagedRelayPatchesIntegrationTests {

    private static final Path TARGET = Path.of("target");
    private static final Path RELAY_JAR = TARGET.resolve("outbox-relay.jar");

    @Test
    void everyDebeziumPatchIsActiveInThePackagedRelay() throws Exception {
        assertThat(RELAY_JAR).as("run after package").isRegularFile();

        List<Loaded> loaded;
        try (URLClassLoader packaged = new URLClassLoader(new URL[] { RELAY_JAR.toUri().toURL() }, ClassLoader.getPlatformClassLoader())) {
            assertThat(packaged.loadClass(Relay.class.getName()).getProtectionDomain().getCodeSource().getLocation().getPath())
                    .as("the class loader sees the packaged relay, not target/classes").endsWith("/outbox-relay.jar");
            // the copies' static initializers start the packaged jar's own Log4j, which finds log4j2-test.xml too (Log4j
            // also asks the system class loader) and would open this run's log file with append=false, truncating what
            // TestRunLogsIntegrationTests scans: without the property that file is /dev/null for it
            String logFile = System.clearProperty("test.log.file");
            try {
                loaded = DebeziumPatches.inspect(packaged);
            }
            finally {
                if (logFile != null) {
                    System.setProperty("test.log.file", logFile);
                }
            }
        }

        assertThat(loaded).hasSize(DebeziumPatches.CLASSES.size()).allSatisfy(l -> {
            assertThat(l.active()).as("%s loaded from %s", l.className(), l.loadedFrom()).isTrue();
            assertThat(l.loadedFrom()).endsWith("/target/lib/debezium-patches-0.1.0-SNAPSHOT.jar");
        });
        assertThat(DebeziumPatches.warnings(loaded)).isEmpty();
    }

    @Test
    void packagedRelayNamesThePatchesBeforeAnyDebeziumJar() throws IOException {
        List<String> classPath;
        try (JarFile jar = new JarFile(RELAY_JAR.toFile())) {
            classPath = List.of(jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH).trim().split("\\s+"));
        }

        int patches = classPath.indexOf("lib/debezium-patches-0.1.0-SNAPSHOT.jar");
        assertThat(patches).as("debezium-patches in %s", classPath).isNotNegative();
        assertThat(classPath.subList(0, patches)).noneMatch(entry -> entry.startsWith("lib/debezium-"));
        assertThat(classPath).allSatisfy(entry -> assertThat(TARGET.resolve(entry)).isRegularFile());
    }

    @Test
    void relayJarCarriesNoDebeziumClassesOfItsOwn() throws IOException {
        try (JarFile jar = new JarFile(RELAY_JAR.toFile())) {
            // classes only: a build dir left from before the move may hold empty io/debezium directories
            assertThat(jar.stream().map(entry -> entry.getName())
                    .filter(name -> name.startsWith("io/debezium/") && name.endsWith(".class"))).isEmpty();
        }
    }
}
