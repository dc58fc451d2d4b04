package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.DebeziumPatches.Loaded;

/**
 * DebeziumPatches tells whether debezium-patches' copies or Debezium's own won the class path. The packaged relay is
 * checked by PackagedRelayPatchesIntegrationTests.
 */
class DebeziumPatchesUnitTests {

    @Test
    void everyPatchIsActiveOnTheRelaysClassPath() {
        List<Loaded> loaded = DebeziumPatches.inspect(DebeziumPatches.class.getClassLoader());

        assertThat(loaded).extracting(Loaded::className).containsExactlyElementsOf(DebeziumPatches.CLASSES);
        assertThat(loaded).allSatisfy(l -> {
            assertThat(l.active()).as(l.toString()).isTrue();
            assertThat(l.patch()).isNotBlank();
            assertThat(l.loadedFrom()).contains("debezium-patches");
        });
        assertThat(DebeziumPatches.warnings(loaded)).isEmpty();
        assertThat(DebeziumPatches.summary(loaded)).startsWith("Debezium patches active: 7 of 7 (SchemaUtil, MeasurementCollector,");
    }

    @Test
    void listsEveryClassDebeziumPatchesHolds() throws Exception {
        Path patches = Path.of(io.debezium.data.SchemaUtil.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> held = new ArrayList<>();
        if (Files.isDirectory(patches)) {
            collectClasses(patches, held);
        }
        else {
            try (FileSystem jar = FileSystems.newFileSystem(patches)) {
                collectClasses(jar.getPath("/"), held);
            }
        }

        assertThat(held).as("top-level classes in %s", patches).containsExactlyInAnyOrderElementsOf(DebeziumPatches.CLASSES);
    }

    @Test
    void reportsEachClassWhoseLoadedCopyIsDebeziumsOwnAndItsJar() throws IOException {
        List<URL> withoutPatches = testClassPath().stream().filter(entry -> !isPatches(entry)).map(DebeziumPatchesUnitTests::url).toList();

        List<Loaded> loaded;
        try (URLClassLoader debeziumOnly = new URLClassLoader(withoutPatches.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            loaded = DebeziumPatches.inspect(debeziumOnly);
        }

        assertThat(loaded).hasSize(7).noneMatch(Loaded::active);
        assertThat(loaded).filteredOn(l -> l.className().equals("io.debezium.data.SchemaUtil")).singleElement()
                .extracting(Loaded::loadedFrom).asString().endsWith("debezium-connector-common-3.6.1.Final.jar");
        assertThat(loaded).filteredOn(l -> l.className().equals("io.debezium.connector.postgresql.SourceInfo")).singleElement()
                .extracting(Loaded::loadedFrom).asString().endsWith("debezium-connector-postgres-3.6.1.Final.jar");
        List<String> warnings = DebeziumPatches.warnings(loaded);
        assertThat(warnings).hasSize(7);
        assertThat(warnings.get(0)).startsWith("Debezium patch not active: io.debezium.data.SchemaUtil was loaded from file:")
                .contains("debezium-connector-common-3.6.1.Final.jar");
        assertThat(DebeziumPatches.summary(loaded)).isEqualTo("Debezium patches active: none of 7");
    }

    @Test
    void debeziumsCopiesWinWhenTheirJarsComeBeforeThePatches() throws IOException {
        List<Path> reordered = new ArrayList<>(testClassPath());
        List<Path> debezium = reordered.stream().filter(entry -> entry.getFileName().toString().startsWith("debezium-connector-")).toList();
        reordered.removeAll(debezium);
        reordered.addAll(0, debezium);

        List<Loaded> loaded;
        try (URLClassLoader debeziumFirst = new URLClassLoader(reordered.stream().map(DebeziumPatchesUnitTests::url).toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            loaded = DebeziumPatches.inspect(debeziumFirst);
        }

        assertThat(reordered).anyMatch(DebeziumPatchesUnitTests::isPatches);
        assertThat(loaded).noneMatch(Loaded::active);
    }

    private static void collectClasses(Path root, List<String> out) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.map(file -> root.relativize(file).toString().replace(File.separatorChar, '/'))
                    .filter(name -> name.endsWith(".class") && !name.contains("$") && !name.endsWith("package-info.class"))
                    .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                    .forEach(out::add);
        }
    }

    private static boolean isPatches(Path entry) {
        return entry.getFileName().toString().startsWith("debezium-patches") || entry.endsWith(Path.of("debezium-patches", "target", "classes"));
    }

    /** This JVM's class path, with a jar that only names others in its manifest (surefire's booter) replaced by them. */
    private static List<Path> testClassPath() throws IOException {
        List<Path> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                entries.addAll(expand(Path.of(entry).toAbsolutePath()));
            }
        }
        return entries;
    }

    private static List<Path> expand(Path entry) throws IOException {
        if (!entry.toString().endsWith(".jar") || !Files.isRegularFile(entry)) {
            return List.of(entry);
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            Manifest manifest = jar.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null || classPath.isBlank() || jar.stream().anyMatch(e -> e.getName().endsWith(".class"))) {
                return List.of(entry);
            }
            List<Path> named = new ArrayList<>();
            for (String item : classPath.trim().split("\\s+")) {
                named.add(item.startsWith("file:") ? Path.of(URI.create(item)) : entry.getParent().resolve(item).normalize());
            }
            return Collections.unmodifiableList(named);
        }
    }

    private static URL url(Path entry) {
        try {
            return entry.toUri().toURL();
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
