package io.outboxrelay.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.outboxrelay.console.fixture.Owner;

class ConsolePageUnitTests {

    @Test
    void aPageIsItsOwnHtmlAndScriptBesideTheSharedScriptAndStyle() {
        Map<String, ConsolePage.File> files = ConsolePage.of(Owner.class);
        assertThat(files.keySet()).containsExactly("/", "/console.js", "/common.js", "/common.css");
        assertThat(files.get("/").contentType()).isEqualTo("text/html; charset=utf-8");
        assertThat(files.get("/").body()).contains("<title>fixture page</title>");
        assertThat(files.get("/console.js").contentType()).isEqualTo("text/javascript; charset=utf-8");
        assertThat(files.get("/console.js").body()).contains("fixture script");
        assertThat(files.get("/common.css").contentType()).isEqualTo("text/css; charset=utf-8");
        assertThat(files.get("/common.js").body()).as("the shared script, from this jar").contains("function ");
    }

    @Test
    void theSharedFilesLoadNothingFromElsewhere() {
        Map<String, ConsolePage.File> files = ConsolePage.of(Owner.class);
        for (String shared : new String[] {"/common.js", "/common.css"}) {
            // the SVG namespace is a name, not a place anything is loaded from
            assertThat(files.get(shared).body().replace("http://www.w3.org/2000/svg", "")).as(shared)
                    .doesNotContain("http://", "https://", "@import", "eval(");
        }
    }

    @Test
    void aPageWithoutItsFilesSaysWhichIsMissing() {
        assertThatThrownBy(() -> ConsolePage.of(ConsolePageUnitTests.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("console/console.html is missing beside " + ConsolePageUnitTests.class.getName() + " in its jar");
    }
}
