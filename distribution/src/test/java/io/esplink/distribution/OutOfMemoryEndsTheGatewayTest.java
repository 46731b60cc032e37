package io.esplink.distribution;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.esplink.distribution.Installation.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway whose JVM runs out of heap ends (exit code 3), so that systemd starts a fresh one: bin/esplink-gateway
 * gives the JVM -XX:+ExitOnOutOfMemoryError, and the unit restarts it whatever the exit, with a back-off.
 * <p>
 * The out-of-memory comes once the gateway is up, from a route of the user's (as routes/ would hold): a file dropped
 * in its directory makes it double a string until the heap is full. Without the flag (the second test, where
 * JAVA_OPTS takes it back) the same gateway stays up after the OutOfMemoryError: Camel logs it, that route's
 * consumer is down and its health DOWN, the rest runs on half broken. So the first test fails (no exit within 60 s)
 * if bin/ no longer gives the flag. (A heap too small to start, such as -Xmx16m, is no test of it: without the flag
 * the main thread dies of it and the JVM exits 1 anyway.)
 */
class OutOfMemoryEndsTheGatewayTest {

    @TempDir
    Path tmp;
    private Process gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null && gateway.isAlive()) {
            gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aGatewayOutOfHeap_exitsWithCode3() throws Exception {
        Path log = tmp.resolve("gateway.log");
        startWithAHeapHog("-Xmx256m", log); // JAVA_OPTS without the flag: bin/esplink-gateway gives it

        fillTheHeap();
        assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).as("ended after the OutOfMemoryError:\n%s",
                Files.readString(log)).isTrue();
        assertThat(gateway.exitValue()).isEqualTo(3);
        assertThat(Files.readString(log)).contains("Terminating due to java.lang.OutOfMemoryError: Java heap space");
    }

    @Test
    void withTheFlagTakenBackInJavaOpts_itStaysUpAfterTheOutOfMemoryError() throws Exception {
        Path log = tmp.resolve("gateway.log");
        int httpPort = startWithAHeapHog("-Xmx256m -XX:-ExitOnOutOfMemoryError", log);

        fillTheHeap();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> Files.readString(log).contains("java.lang.OutOfMemoryError: Java heap space"));
        // still running and answering, 5 s on (its health says DOWN: the hog's consumer is)
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(gateway::isAlive);
        assertThat(health(httpPort).statusCode()).isIn(200, 503);
        assertThat(Files.readString(log)).doesNotContain("Terminating due to");
        // (a SIGTERM would now take Camel's whole 45 s shutdown timeout: the exchanges the error cut short still count
        // as in flight; @AfterEach kills it)
    }

    @Test
    void theScriptGivesTheFlag_andTheUnitRestartsAlwaysWithABackOff() throws Exception {
        Path home = Installation.unpack(tmp);
        String script = Files.readString(home.resolve("bin/esplink-gateway"));
        assertThat(script).containsPattern("(?m)^exec \"\\$JAVA\" .*-XX:\\+ExitOnOutOfMemoryError \\$JAVA_OPTS .*-cp ");
        String unit = Files.readString(home.resolve("systemd/esplink-gateway.service"));
        String unitSection = unit.substring(unit.indexOf("[Unit]"), unit.indexOf("[Service]"));
        String serviceSection = unit.substring(unit.indexOf("[Service]"), unit.indexOf("[Install]"));
        assertThat(unitSection).containsPattern("(?m)^StartLimitIntervalSec=\\d+$")
                .containsPattern("(?m)^StartLimitBurst=\\d+$");
        assertThat(serviceSection).containsPattern("(?m)^Restart=always$").containsPattern("(?m)^RestartSec=[1-9]")
                .containsPattern("(?m)^Environment=\"JAVA_OPTS=[^\"]*-XX:\\+ExitOnOutOfMemoryError[^\"]*\"$")
                .containsPattern("(?m)^SuccessExitStatus=143$");
    }

    /** Starts the unpacked gateway with a route that fills the heap once a file comes; its HTTP port, once up. */
    private int startWithAHeapHog(String javaOpts, Path log) throws Exception {
        Path home = Installation.unpack(tmp);
        Path trigger = Files.createDirectories(tmp.resolve("trigger"));
        Path route = tmp.resolve("heap-hog.yaml");
        // the file's text doubled 40 times in one exchange: far more than any heap
        Files.writeString(route, """
                - route:
                    id: heap-hog
                    from:
                      uri: "file:%s?delete=true"
                      steps:
                        - setBody:
                            simple: "${bodyAs(String)}"
                        - loop:
                            constant: 40
                            steps:
                              - setBody:
                                  simple: "${body}${body}"
                """.formatted(trigger));
        int httpPort = freePort();
        ProcessBuilder pb = Installation.gateway(home, tmp, log, javaOpts, freePort(), httpPort);
        pb.environment().put("ESPLINK_ROUTES", "esplink-to-files,file:" + route);
        gateway = pb.start();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            assertThat(gateway.isAlive()).as("the gateway ended:\n%s", Files.readString(log)).isTrue();
            return health(httpPort).statusCode() == 200;
        });
        assertThat(Files.readString(log)).contains("esplink gateway ready").contains("heap-hog.yaml")
                .doesNotContain("OutOfMemoryError");
        return httpPort;
    }

    /** Drops the file the hog waits for (written aside, then moved in whole). */
    private void fillTheHeap() throws Exception {
        Path aside = Files.writeString(tmp.resolve("go.txt"), "0123456789");
        Files.move(aside, tmp.resolve("trigger/go.txt"), StandardCopyOption.ATOMIC_MOVE);
    }

    private static HttpResponse<String> health(int httpPort) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
