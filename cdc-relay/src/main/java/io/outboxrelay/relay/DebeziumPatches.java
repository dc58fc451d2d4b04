package io.outboxrelay.relay;

import java.lang.reflect.Field;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of debezium-patches' fixed copies of Debezium classes the relay runs on. A copy takes effect only when
 * debezium-patches comes before Debezium's jars on the class path (cdc-relay's pom, its jar's manifest and its
 * image keep that order); an application that embeds the relay, or repackages it, may not. Each copy carries a
 * public constant {@value #MARKER} saying what it changes: a loaded class without it is Debezium's own copy.
 *
 * <p>A pure check, logged when a relay starts: one INFO line naming the active patches, one WARN line per class
 * whose Debezium copy won, with the jar it came from. It never stops the relay: Debezium's copies give the same
 * output, only slower (the measured gains are in debezium-patches/README.md).
 */
public final class DebeziumPatches {

    /** The constant each patched copy carries; its value says what the copy changes. */
    static final String MARKER = "OUTBOX_RELAY_PATCH";

    /** Every class debezium-patches replaces (DebeziumPatchesUnitTests compares this with the module's content). */
    public static final List<String> CLASSES = List.of(
            "io.debezium.data.SchemaUtil",
            "io.debezium.metrics.stats.MeasurementCollector",
            "io.debezium.time.ZonedTimestamp",
            "io.debezium.pipeline.meters.CommonEventMeter",
            "io.debezium.connector.postgresql.SourceInfo",
            "io.debezium.connector.postgresql.PostgresSchema",
            "io.debezium.connector.postgresql.connection.DateTimeFormat");

    private static final Logger LOG = LoggerFactory.getLogger(DebeziumPatches.class);

    private DebeziumPatches() {
    }

    /**
     * One patched class as a class loader loads it.
     *
     * @param patch what the loaded copy says it changes; null when it is not the patched copy
     * @param loadedFrom where the loaded copy came from (its jar or directory), or why it could not be loaded
     */
    public record Loaded(String className, String patch, String loadedFrom) {

        /** Whether the loaded copy is debezium-patches' one. */
        public boolean active() {
            return patch != null;
        }

        String simpleName() {
            return className.substring(className.lastIndexOf('.') + 1);
        }
    }

    /** Logs which patches are active in the relay's own class loader; never throws. */
    static List<Loaded> logWhichAreActive() {
        List<Loaded> loaded = inspect(DebeziumPatches.class.getClassLoader());
        LOG.info(summary(loaded));
        warnings(loaded).forEach(LOG::warn);
        return loaded;
    }

    /**
     * Each patched class as {@code loader} loads it (it is initialized only when it is the patched copy): for an
     * application that packages the relay its own way, to check in a test that the patches win there.
     */
    public static List<Loaded> inspect(ClassLoader loader) {
        List<Loaded> loaded = new ArrayList<>(CLASSES.size());
        for (String name : CLASSES) {
            loaded.add(inspect(name, loader));
        }
        return loaded;
    }

    private static Loaded inspect(String name, ClassLoader loader) {
        Class<?> type;
        try {
            type = Class.forName(name, false, loader);
        }
        catch (ClassNotFoundException | LinkageError e) {
            return new Loaded(name, null, "nowhere (" + e + ")");
        }
        String from = location(type);
        try {
            // read, not referenced: a compile-time constant would be inlined into this class
            Field marker = type.getField(MARKER);
            return new Loaded(name, String.valueOf(marker.get(null)), from);
        }
        catch (NoSuchFieldException e) {
            return new Loaded(name, null, from);
        }
        catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return new Loaded(name, null, from + " (" + MARKER + " unreadable: " + e + ")");
        }
    }

    private static String location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? "an unknown location" : source.getLocation().toString();
    }

    /** The INFO line: which patches are active, and from where. */
    static String summary(List<Loaded> loaded) {
        List<String> active = new ArrayList<>();
        Set<String> from = new LinkedHashSet<>();
        for (Loaded l : loaded) {
            if (l.active()) {
                active.add(l.simpleName());
                from.add(l.loadedFrom());
            }
        }
        if (active.isEmpty()) {
            return "Debezium patches active: none of " + loaded.size();
        }
        return "Debezium patches active: " + active.size() + " of " + loaded.size() + " (" + String.join(", ", active) + ") from "
                + String.join(", ", from);
    }

    /** One WARN line per class whose loaded copy is not the patched one. */
    static List<String> warnings(List<Loaded> loaded) {
        List<String> lines = new ArrayList<>();
        for (Loaded l : loaded) {
            if (!l.active()) {
                lines.add("Debezium patch not active: " + l.className() + " was loaded from " + l.loadedFrom()
                        + ", not from debezium-patches; Debezium's own copy came first on the class path (put debezium-patches"
                        + " before Debezium's jars). The relay works, slower: see debezium-patches/README.md");
            }
        }
        return lines;
    }
}
