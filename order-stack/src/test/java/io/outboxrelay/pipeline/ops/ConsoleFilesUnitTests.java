package io.outboxrelay.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * The relay's and the consumers' console pages (their shared script and style are console-assets'): nothing loaded
 * from elsewhere, no inline script, so that the endpoints' Content-Security-Policy holds.
 */
class ConsoleFilesUnitTests {

    private static final String RELAY = "/io/outboxrelay/relay/ops/console/";
    private static final String CONSUMERS = "/io/outboxrelay/consumers/ops/console/";

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
