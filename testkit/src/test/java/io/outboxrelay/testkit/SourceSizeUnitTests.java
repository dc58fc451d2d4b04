package io.outboxrelay.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Issue 15: a main class stays small enough to read in one sitting. Scans every module's {@code src/main/java} from the
 * repository root, so that it covers modules that do not depend on this one. Not counted: the copies of Debezium's
 * classes ({@code io/debezium/**}, in the {@code debezium-patches} module), which follow upstream line for line.
 */
class SourceSizeUnitTests {

    private static final int MAX_LINES = 400;
    /** Directories, at any depth, that hold no sources held to the limit. */
    private static final Set<String> NOT_SOURCES = Set.of("target", "node_modules", "debezium-patches");

    @Test
    void noMainClassOutsideDebeziumPatchesIsLongerThan400Lines() throws IOException {
        Path root = repositoryRoot();
        List<Path> scanned = new ArrayList<>();
        List<String> offenders = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                if (!dir.equals(root) && (name.startsWith(".") || NOT_SOURCES.contains(name))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String path = root.relativize(file).toString().replace('\\', '/');
                if (path.endsWith(".java") && path.contains("/src/main/java/") && !path.contains("/src/main/java/io/debezium/")) {
                    scanned.add(file);
                    long lines = lines(file);
                    if (lines > MAX_LINES) {
                        offenders.add(path + ": " + lines + " lines");
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });

        assertThat(scanned).as("main classes under " + root).isNotEmpty();
        assertThat(offenders)
                .as("main classes longer than %d lines (issue 15: split them by role)", MAX_LINES)
                .isEmpty();
    }

    /** Lines as {@code wc -l} counts them: line feeds. */
    private static long lines(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long n = 0;
            for (byte b : bytes) {
                if (b == '\n') {
                    n++;
                }
            }
            return n;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The nearest directory above the working directory with the Maven wrapper and the aggregating pom. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isRegularFile(dir.resolve("pom.xml"))
                    && Files.isDirectory(dir.resolve("testkit"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (mvnw, pom.xml and testkit/) above " + Path.of("").toAbsolutePath());
    }
}
