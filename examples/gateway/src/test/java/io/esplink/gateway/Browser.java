package io.esplink.gateway;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium for the status page's tests, driven by Selenium through chromedriver: Debian's {@code chromium}
 * and {@code chromium-driver} ({@code /usr/bin/chromium}, {@code /usr/bin/chromedriver}), or the programs named by
 * {@code ESPLINK_TEST_CHROME} and {@code ESPLINK_TEST_CHROMEDRIVER}. Both are given to Selenium by path, so Selenium
 * Manager never looks for (or downloads) a browser or a driver.
 */
final class Browser {

    record Install(Path chromium, Path chromedriver) {
    }

    private Browser() {
    }

    /** The browser and its driver, if both are on this machine. */
    static Optional<Install> find() {
        Optional<Path> chromium = first("ESPLINK_TEST_CHROME", "chromium", "chromium-browser", "google-chrome",
                "google-chrome-stable");
        Optional<Path> driver = first("ESPLINK_TEST_CHROMEDRIVER", "chromedriver");
        if (driver.isEmpty()) {
            driver = Optional.of(Path.of("/usr/lib/chromium/chromedriver")).filter(Files::isExecutable);
        }
        return chromium.isPresent() && driver.isPresent()
                ? Optional.of(new Install(chromium.get(), driver.get())) : Optional.empty();
    }

    /** Why {@link #find()} found nothing, for the skipped tests' reason. */
    static String missing() {
        List<String> lacking = new ArrayList<>();
        if (first("ESPLINK_TEST_CHROME", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                .isEmpty()) {
            lacking.add("no Chromium (chromium, chromium-browser, google-chrome on the PATH, or ESPLINK_TEST_CHROME)");
        }
        if (first("ESPLINK_TEST_CHROMEDRIVER", "chromedriver").isEmpty()) {
            lacking.add("no chromedriver (on the PATH, or ESPLINK_TEST_CHROMEDRIVER)");
        }
        return "No browser to test the status page in: " + String.join("; ", lacking)
               + ". On Debian: apt-get install chromium chromium-driver (.ci/run does)";
    }

    private static Optional<Path> first(String envVariable, String... names) {
        String env = System.getenv(envVariable);
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String name : names) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** A new headless browser with a fresh profile in {@code profile}. */
    static ChromeDriver start(Install install, Path profile, Path log) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(install.chromium().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1440,1000", "--lang=en-GB");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(install.chromedriver().toFile())
                .usingAnyFreePort()
                .withLogFile(log.toFile())
                .build();
        return new ChromeDriver(service, options);
    }
}
