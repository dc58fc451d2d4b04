package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import io.outboxrelay.consumers.ops.ConsumerEndpoint;
import io.outboxrelay.consumers.payment.PaymentCharger;
import io.outboxrelay.legacy.load.OrderLoad;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * The console pages in a real browser (headless Chromium driven by Selenium), in front of the embedded pipeline as
 * {@code run} starts it: each relay's page and the one page at {@code /} of the run endpoint that shows the consumers
 * and frames both relays' pages. Needs the Debian packages chromium and chromium-driver on PATH ({@code .ci/run}
 * installs them); skipped with that message where they are missing. Nothing is downloaded: the driver and browser are
 * given by path, so Selenium Manager is never asked. Screenshots go to target/console-*.png.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIntegrationTests {

    private PostgresInstance postgres;
    private KafkaInstance kafka;
    private Pipeline pipeline;
    private URI runPage;
    private URI legacyRelayPage;
    private ChromeDriver browser;

    @BeforeAll
    void startPipelineAndBrowser() throws Exception {
        Optional<Path> chromium = onPath("chromium");
        Optional<Path> chromedriver = onPath("chromedriver");
        Assumptions.assumeTrue(chromium.isPresent() && chromedriver.isPresent(),
                "chromium/chromedriver not installed: apt-get install chromium chromium-driver (.ci/run does)");
        postgres = Infrastructure.startPostgres();
        kafka = Infrastructure.startKafka();
        pipeline = Pipeline.start(postgres, kafka, 2, 100, 0.2, PaymentCharger.Settings.defaults(), true);
        ConsumerEndpoint endpoint = pipeline.serve("127.0.0.1", 0);
        runPage = URI.create(endpoint.uri() + "/");
        assertThat(pipeline.relayConsoles()).containsOnlyKeys("legacy-relay", "payments-relay");
        legacyRelayPage = URI.create(pipeline.relayConsoles().get("legacy-relay") + "/");

        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--no-first-run", "--disable-background-networking");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.get().toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        // the console check below must be able to fail: an error written now is read back (and the log drained)
        browser.get(runPage.toString());
        browser.executeScript("console.error('console-check-probe')");
        assertThat(browser.manage().logs().get(LogType.BROWSER).getAll()).as("browser console readable")
                .anyMatch(e -> e.getLevel() == Level.SEVERE && e.getMessage().contains("console-check-probe"));
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        for (AutoCloseable each : new AutoCloseable[] {pipeline, kafka, postgres}) {
            try {
                if (each != null) {
                    each.close();
                }
            }
            catch (Exception e) {
                System.err.println("warning: could not stop " + each + ": " + e.getMessage());
            }
        }
    }

    @Test
    void runPageShowsTheConsumerGroupsAndBothRelaysSideBySideWithoutConsoleErrors() throws Exception {
        browser.get(runPage.toString());
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(text("groups")).contains("read-model", "payments", "compensation").contains("RUNNING");
            assertThat(text("partitions")).contains("outbox.Order", "outbox.Payment");
            assertThat(text("pending")).as("PENDING payments polled").matches("[0-9,]+");
            assertThat(browser.findElements(By.cssSelector("#relays iframe"))).hasSize(2);
        });
        for (String relay : List.of("legacy-relay", "payments-relay")) {
            browser.switchTo().frame(browser.findElement(By.cssSelector("#relays iframe[title='" + relay + "']")));
            try {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(text("name")).isEqualTo(relay);
                    assertThat(text("state")).isEqualTo("RUNNING");
                });
            }
            finally {
                browser.switchTo().defaultContent();
            }
        }
        screenshot("console-run.png");
        assertNoConsoleErrors();
    }

    @Test
    void chartsMoveWhileOrdersFlow() throws Exception {
        browser.get(legacyRelayPage.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> points("chart-rate") > 0);
        int before = points("chart-rate");

        CompletableFuture<OrderLoad.Result> placing = Pipeline.place(new OrderLoad(pipeline.legacyDb(),
                new OrderLoad.Plan(600, 2, 60)));
        try {
            // a sample a second: the line grows, and shows the events of the last second while they flow
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(points("chart-rate")).isGreaterThan(before);
                assertThat(last("chart-rate")).as("relay's events/s now").isPositive();
                assertThat(points("chart-lag")).as("commit-to-ack lag drawn").isPositive();
            });
            assertNoConsoleErrors();

            browser.get(runPage.toString());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(last("chart-rate")).as("consumers' events/s now").isPositive());
            assertNoConsoleErrors();

            browser.get(legacyRelayPage.toString());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(points("chart-wal"))
                    .as("WAL retained polled and drawn").isPositive());
            screenshot("console-relay.png");
            assertNoConsoleErrors();
        }
        finally {
            placing.join();
        }
    }

    @Test
    void deadLetterAppearsWithinSecondsAndNoPayloadOrPasswordIsShown() throws Exception {
        browser.get(legacyRelayPage.toString());
        String marker = "payload-marker-" + UUID.randomUUID();
        String badId = UUID.randomUUID().toString();
        String goodKey = "console-probe-" + UUID.randomUUID();
        // an empty aggregate id: a dead letter; a good event beside it on its own topic (no consumer reads it)
        sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload) VALUES ('" + badId
                + "', 'Order', '', 'OrderPlaced', '{\"note\": \"" + marker + "\"}'), ('" + UUID.randomUUID()
                + "', 'ConsoleProbe', '" + goodKey + "', 'ProbeHappened', '{\"note\": \"" + marker + "\"}')");

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(text("dead-letters")).contains(badId).contains("aggregate_id is null or empty").contains("outbox.event");
            assertThat(text("events")).contains(goodKey).contains("outbox.ConsoleProbe").contains("ProbeHappened");
        });
        String page = browser.getPageSource();
        assertThat(page).as("payload").doesNotContain(marker);
        assertThat(page).as("database password").doesNotContain(postgres.superuserPassword()).doesNotContain("jdbc:");
        String data = new String(URI.create(legacyRelayPage + "console/data").toURL().openStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(data).as("what the page reads").contains(badId).doesNotContain(marker)
                .doesNotContain(postgres.superuserPassword());
        assertNoConsoleErrors();
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private int points(String chart) {
        String n = browser.findElement(By.id(chart)).getDomAttribute("data-points");
        return n == null ? 0 : Integer.parseInt(n);
    }

    private double last(String chart) {
        String v = browser.findElement(By.id(chart)).getDomAttribute("data-last");
        return v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    /** Every message the page (and its frames) wrote to the console since the last call: none may be an error. */
    private void assertNoConsoleErrors() {
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::toString).toList();
        assertThat(errors).as("browser console errors").isEmpty();
    }

    private void screenshot(String name) throws Exception {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target"));
        Files.copy(shot.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
    }

    private void sql(String statement) throws Exception {
        try (Connection c = pipeline.legacyDb().getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        return path == null ? Optional.empty() : Stream.of(path.split(File.pathSeparator))
                .map(dir -> Path.of(dir, program)).filter(Files::isExecutable).findFirst();
    }
}
