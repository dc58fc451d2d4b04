package io.outboxrelay.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The bench's class path without the relay's classes and debezium-patches, for a child that must run stock Debezium
 * (Kafka Connect): the relay runs on debezium-patches' copies of a few Debezium classes, which shadow Debezium's
 * wherever that module comes first, as it does in the bench's jar. Jars that only point at others
 * through their manifest's {@code Class-Path} (the bench's jar, surefire's booter) are replaced by what they
 * point at, because the JVM would follow that manifest to the relay's classes again; such a jar's own classes
 * and resources are then missing, so the child must not need them.
 */
final class StockClassPath {

    private StockClassPath() {
    }

    /** The current JVM's class path without the relay's classes and debezium-patches. */
    static String ofThisJvm() {
        return of(System.getProperty("java.class.path"));
    }

    static String of(String classPath) {
        List<String> out = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                add(Path.of(entry).toAbsolutePath().normalize(), out);
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private static void add(Path entry, List<String> out) {
        if (isRelay(entry) || out.contains(entry.toString())) {
            return;
        }
        List<Path> pointedAt = manifestClassPath(entry);
        if (pointedAt.isEmpty()) {
            out.add(entry.toString());
        }
        else {
            pointedAt.forEach(p -> add(p, out));
        }
    }

    private static boolean isRelay(Path entry) {
        for (String module : new String[] { "cdc-relay", "debezium-patches" }) {
            if (entry.getFileName() != null && entry.getFileName().toString().startsWith(module)
                    || entry.endsWith(Path.of(module, "target", "classes"))) {
                return true;
            }
        }
        return false;
    }

    private static List<Path> manifestClassPath(Path entry) {
        if (!entry.toString().endsWith(".jar") || !Files.isRegularFile(entry)) {
            return List.of();
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            Manifest manifest = jar.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null || classPath.isBlank()) {
                return List.of();
            }
            List<Path> paths = new ArrayList<>();
            for (String item : classPath.trim().split("\\s+")) {
                paths.add(item.startsWith("file:") ? Path.of(URI.create(item))
                        : entry.getParent().resolve(URI.create(item.replace(" ", "%20")).getPath()).normalize());
            }
            return paths;
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifest of " + entry, e);
        }
    }
}
