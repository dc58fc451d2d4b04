package io.outboxrelay.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * The relay's and the consumers' console pages share their chart and table script and their style (each jar carries a
 * copy, the consumers do not depend on the relay): the two copies must not drift.
 */
class ConsoleFilesUnitTests {

    private static final String RELAY = "/io/outboxrelay/relay/ops/console/";
    private static final String CONSUMERS = "/io/outboxrelay/consumers/ops/console/";

    @Test
    void relayAndConsumerConsolesShareTheSameScriptAndStyleByteForByte() throws Exception {
        for (String shared : new String[] {"common.js", "common.css"}) {
            assertThat(read(CONSUMERS + shared)).as(shared + ": copy cdc-relay's to consumers (or the other way)")
                    .isEqualTo(read(RELAY + shared));
        }
    }

    @Test
    void consolePagesLoadNothingFromElsewhereAndNoInlineScript() throws Exception {
        for (String page : new String[] {RELAY + "console.html", CONSUMERS + "console.html"}) {
            String html = read(page);
            assertThat(html).as(page).doesNotContain("http://", "https://", "<script>", "style=\"")
                    .doesNotContainPattern("\\son[a-z]+=");
            assertThat(html).as(page).contains("<script src=\"common.js\"></script>", "<script src=\"console.js\"></script>");
        }
    }

    private static String read(String resource) throws Exception {
        try (InputStream in = ConsoleFilesUnitTests.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource + " on the class path").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
