package io.outboxrelay.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.DebeziumPatches;
import io.outboxrelay.relay.DebeziumPatches.Loaded;

/**
 * The relays inside the packaged pipeline (target/outbox-pipeline.jar, whose manifest's Class-Path names target/lib's
 * jars in Maven's order) run on debezium-patches' copies of Debezium's classes, not on Debezium's own. Runs after
 * {@code package}; the class loader follows the jar's manifest as {@code java -jar} does.
 */
class PackagedPipelinePatchesIntegrationTests {

    @Test
    void everyDebeziumPatchIsActiveInThePackagedPipeline() throws Exception {
        Path jar = Path.of("target", "outbox-pipeline.jar");
        assertThat(jar).as("run after package").isRegularFile();

        List<Loaded> loaded;
        try (URLClassLoader packaged = new URLClassLoader(new URL[] { jar.toUri().toURL() }, ClassLoader.getPlatformClassLoader())) {
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
    }
}
