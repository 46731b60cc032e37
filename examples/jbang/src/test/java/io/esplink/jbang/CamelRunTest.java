package io.esplink.jbang;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.esplink.core.EspLinkClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's {@code camel run} line, run: Camel JBang's own entry point ({@link Camel}, CamelJBangMain) in a JVM of
 * its own, on the repository's routes/esplink-to-files.yaml with {@code --dep=io.esplink:camel-esplink:<version>},
 * which camel run downloads as it would for a user. Its Maven is pointed at a fresh local repository that holds the
 * component as this build made it, with the build's local repository as the only remote (Maven Central off, so
 * nothing is fetched from the network). A node then sends a message, and it is in the JSON-lines file.
 */
class CamelRunTest {

    private static final Path ROOT = Path.of(System.getProperty("esplink.root")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("esplink.version");
    private static final Path BUILD_REPO = Path.of(System.getProperty("esplink.localRepository"));

    @TempDir
    Path tmp;
    private Process camel;

    @AfterEach
    void stop() throws Exception {
        if (camel != null && camel.isAlive()) {
            camel.descendants().forEach(ProcessHandle::destroy);
            camel.destroy();
            if (!camel.waitFor(30, TimeUnit.SECONDS)) {
                camel.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void camelRun_esplinkToFiles_storesANodesMessage() throws Exception {
        Path repo = localRepository();
        Path data = tmp.resolve("data");
        Path home = Files.createDirectories(tmp.resolve("home"));
        int port = freePort();
        Path log = tmp.resolve("camel-run.log");

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-Dmaven.repo.local=" + repo, "-Xmx512m",
                "-cp", camelClasspath(), Camel.class.getName(),
                // the README's line
                "run", ROOT.resolve("routes/esplink-to-files.yaml").toString(),
                "--dep=io.esplink:camel-esplink:" + VERSION,
                // where this test puts it
                "--prop=esplink.host=127.0.0.1", "--prop=esplink.port=" + port, "--prop=esplink.data.dir=" + data,
                // the rest from the build's local repository, not from the network
                "--maven-central-enabled=false", "--repos=" + BUILD_REPO.toUri(), "--max-seconds=300"));
        camel = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();

        EspLinkClient node = EspLinkClient.builder("127.0.0.1", port, "jbang-node").timeoutMs(2000)
                .reconnectDelayMs(500).build();
        try {
            node.start();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
                assertThat(camel.isAlive()).as("camel run ended early:\n%s", tail(log)).isTrue();
                return node.isUp();
            });
            // the route ACKs (ackMode processed) once the line is in the file
            node.send("{\"t\":22.5}").get(30, TimeUnit.SECONDS);
        } finally {
            node.close();
        }
        Path file = data.resolve("messages").resolve("jbang-node.jsonl");
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).singleElement().asString()
                .contains("\"clientId\":\"jbang-node\"").contains("22.5");
        String output = Files.readString(log);
        assertThat(output).contains("Started esplink-to-files")
                .as("nothing from the network").doesNotContain("from: central").doesNotContain("https://repo");
    }

    /** A local repository of its own for camel run, holding the component as this build made it (jar, pom, parent pom). */
    private Path localRepository() throws IOException {
        Path repo = tmp.resolve("m2");
        Path component = Files.createDirectories(repo.resolve("io/esplink/camel-esplink/" + VERSION));
        Path jar = ROOT.resolve("camel-esplink/target/camel-esplink-" + VERSION + ".jar");
        assertThat(jar).as("the component's jar (mvn package first)").isRegularFile();
        Files.copy(jar, component.resolve("camel-esplink-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(ROOT.resolve("camel-esplink/pom.xml"), component.resolve("camel-esplink-" + VERSION + ".pom"));
        Path parent = Files.createDirectories(repo.resolve("io/esplink/esplink-parent/" + VERSION));
        Files.copy(ROOT.resolve("pom.xml"), parent.resolve("esplink-parent-" + VERSION + ".pom"));
        return repo;
    }

    /** This JVM's class path less the component (camel run must get it through --dep) and the test libraries. */
    private static String camelClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains(File.separator + "io" + File.separator + "esplink" + File.separator))
                .filter(e -> !e.contains("camel-esplink" + File.separator + "target"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
