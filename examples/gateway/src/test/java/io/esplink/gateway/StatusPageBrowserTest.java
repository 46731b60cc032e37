package io.esplink.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.esplink.core.NodeView;
import io.esplink.testing.RecordingNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The status page in a real browser (headless Chromium through Selenium, {@link Browser}) against the real gateway and
 * simulated nodes: a node's row appears, its messages show, a line typed into the send box reaches it, a node that
 * drops turns down, and 15,000 nodes stay one scrollable table. Skipped, with the reason, only when this machine has
 * no Chromium and chromedriver. Screenshots go to {@code target/ui-screenshots/}.
 */
class StatusPageBrowserTest extends GatewayTestSupport {

    private static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

    private static ChromeDriver driver;
    private static Path profile;

    /** One browser for the class, started by the first test; each test is skipped, with the reason, without one. */
    @BeforeEach
    void startBrowser() throws IOException {
        Optional<Browser.Install> install = Browser.find();
        assumeTrue(install.isPresent(), Browser.missing());
        if (driver != null) {
            return;
        }
        profile = Files.createTempDirectory("esplink-chromium-");
        Files.createDirectories(SCREENSHOTS);
        driver = Browser.start(install.get(), profile, Path.of("target", "chromedriver.log"));
        driver.manage().timeouts().scriptTimeout(java.time.Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @AfterEach
    void leavePage() {
        if (driver != null) {
            driver.get("about:blank"); // closes the page's event stream before the gateway stops
        }
    }

    @Test
    void aNodeAppearsItsMessagesShowAndItTurnsDownWhenItDrops() throws Exception {
        startGateway();
        open("/?token=" + TOKEN);
        await().atMost(WAIT).until(() -> "live".equals(text("live")));
        assertThat(driver.getCurrentUrl()).as("the token leaves the address at once").doesNotContain("token");

        RecordingNode kitchen = node("kitchen");
        await().atMost(WAIT).until(() -> "up".equals(cell("kitchen", "state")));

        kitchen.client.send("{\"t\":21.5}").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> "{\"t\":21.5}".equals(cell("kitchen", "last")));
        assertThat(cell("kitchen", "in")).isEqualTo("1");
        assertThat(cell("kitchen", "lastAt")).endsWith("ago");
        screenshot("fleet");

        kitchen.close();
        await().atMost(WAIT).until(() -> "down".equals(cell("kitchen", "state")));
        assertThat(cell("kitchen", "since")).endsWith("ago");
        assertThat(text("summary")).contains("0 up").contains("1 down");
    }

    @Test
    void theNodePageShowsMessagesAndConnectionsAndSendsALineTheNodeAcknowledges() throws Exception {
        startGateway();
        RecordingNode hall = node("hall");
        hall.client.send("hello from the hall").get(10, TimeUnit.SECONDS);
        open("/?token=" + TOKEN);
        await().atMost(WAIT).until(() -> "up".equals(cell("hall", "state")));

        driver.findElement(By.cssSelector(".row[data-id='hall'] .c-id a")).click();
        await().atMost(WAIT).until(() -> driver.findElement(By.id("node")).isDisplayed());
        assertThat(text("node-id")).isEqualTo("hall");
        await().atMost(WAIT).until(() -> text("messages").contains("hello from the hall"));
        await().atMost(WAIT).until(() -> text("events").contains("CONNECTED"));
        assertThat(driver.findElements(By.cssSelector("#timeline rect.up"))).isNotEmpty();

        WebElement line = driver.findElement(By.id("send-line"));
        line.sendKeys("led on");
        driver.findElement(By.id("send-button")).click();
        hall.awaitReceived(1, WAIT);
        assertThat(hall.received).containsExactly("led on");
        await().atMost(WAIT).until(() -> text("send-result").startsWith("Delivered"));

        // what the node sends next shows up on its page by itself
        hall.client.send("second reading").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> text("messages").contains("second reading"));
        await().atMost(WAIT).until(() -> text("node-facts").contains("Messages out\n1"));
        screenshot("node");
    }

    @Test
    void theTokenIsAskedForAndAWrongOneIsRefused() {
        startGateway();
        open("/");
        await().atMost(WAIT).until(() -> driver.findElement(By.id("login")).isDisplayed());
        assertThat(driver.findElement(By.id("fleet")).isDisplayed()).isFalse();

        driver.findElement(By.id("token-input")).sendKeys("not-the-token-at-all");
        driver.findElement(By.cssSelector("#login-form button")).click();
        await().atMost(WAIT).until(() -> text("login-error").contains("refused"));
        assertThat(script("return sessionStorage.getItem('esplink.token')")).isNull();

        driver.findElement(By.id("token-input")).sendKeys(TOKEN);
        driver.findElement(By.cssSelector("#login-form button")).click();
        await().atMost(WAIT).until(() -> "live".equals(text("live")));
        assertThat(driver.findElement(By.id("fleet")).isDisplayed()).isTrue();
    }

    @Test
    void fifteenThousandNodesAreOneScrollableTableUpdatedLive() {
        startGateway();
        int size = 15_000;
        AtomicLong ticks = new AtomicLong();
        Instant since = Instant.now().minusSeconds(600);
        // a synthetic fleet in place of the server's sessions: the first 1,000 nodes send a message every second
        FleetMonitor fleet = context().getRegistry().lookupByNameAndType(FleetMonitor.BEAN, FleetMonitor.class);
        fleet.setSource(() -> {
            long tick = ticks.incrementAndGet();
            List<NodeView> views = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                String id = String.format("node-%05d", i);
                boolean up = i % 10 != 9;
                long in = i < 1000 ? tick : 5;
                views.add(new NodeView(id, up, up ? since : null, up ? null : since, up ? null : "timeout",
                        "192.0.2." + (i % 250) + ":5000", 1, since, in, 0, 0, 0, 0, 0, 0, 0, null));
            }
            return views;
        });
        long started = System.nanoTime();
        open("/?token=" + TOKEN);
        await().atMost(WAIT).until(() -> ("15000 nodes").equals(text("count")));
        long loadedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(((Number) script("return document.querySelectorAll('#rows .row').length")).intValue())
                .as("only the rows in view exist").isLessThan(120);
        assertThat(text("summary")).contains("15000 nodes").contains("13500 up").contains("1500 down");

        // live: node-00000's count grows with every batch
        String first = cell("node-00000", "in");
        await().atMost(WAIT).until(() -> Long.parseLong(cell("node-00000", "in")) > Long.parseLong(first) + 1);

        // the bottom of the table is the last node
        script("const v = document.getElementById('viewport'); v.scrollTop = v.scrollHeight;");
        await().atMost(WAIT).until(() -> "down".equals(cell("node-14999", "state")));

        // filtering 15,000 rows
        driver.findElement(By.id("filter")).sendKeys("node-1234");
        await().atMost(WAIT).until(() -> ("10 of 15000 nodes").equals(text("count")));
        assertThat(loadedMs).as("15,000 rows on the page within 10 s").isLessThan(10_000);
    }

    // ---- helpers ----

    private void open(String path) {
        driver.get(uri(path).toString());
    }

    private Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    private String text(String id) {
        Object t = script("const e = document.getElementById(arguments[0]); return e ? e.innerText : null;", id);
        return t == null ? "" : t.toString().trim();
    }

    /** The text of a column of the visible row of node {@code id}, or null while there is none. */
    private String cell(String id, String column) {
        Object t = script("for (const r of document.querySelectorAll('#rows .row')) {"
                          + "  if (!r.hidden && r.dataset.id === arguments[0]) {"
                          + "    return r.querySelector('.c-' + arguments[1]).textContent; } }"
                          + "return null;", id, column);
        return t == null ? null : t.toString();
    }

    private void screenshot(String name) throws IOException {
        Path png = driver.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
