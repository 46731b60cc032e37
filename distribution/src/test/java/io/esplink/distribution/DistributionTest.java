package io.esplink.distribution;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway as one installs it: the tar.gz this build made, unpacked in a temporary directory, started with
 * bin/esplink-gateway (data in the temporary directory, free ports), answering GET /health, then stopped.
 */
class DistributionTest {

    private static final String DIST = System.getProperty("esplink.dist");
    private static final String TOKEN = "dist-test-token-0123456789";

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
    void archives_holdTheScriptTheJarsTheConfigurationTheRoutesAndTheUnit() throws Exception {
        Path home = unpack();
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/esplink-gateway")))
                .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        assertThat(home.resolve("esplink-gateway.jar")).isRegularFile();
        try (var lib = Files.list(home.resolve("lib"))) {
            assertThat(lib.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("camel-esplink-")).anyMatch(n -> n.startsWith("esplink-routes-"))
                    .anyMatch(n -> n.startsWith("camel-main-")).noneMatch(n -> n.startsWith("esplink-gateway"));
        }
        // every jar the gateway's manifest names is in lib/
        try (var jar = new java.util.jar.JarFile(home.resolve("esplink-gateway.jar").toFile())) {
            String classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
            assertThat(classPath.split(" ")).allSatisfy(entry -> assertThat(home.resolve(entry)).isRegularFile());
        }
        assertThat(Files.readString(home.resolve("conf/application.properties"))).contains("esplink.port");
        assertThat(home.resolve("routes/esplink-to-files.yaml")).isRegularFile();
        assertThat(home.resolve("routes/kamelets/esplink-source.kamelet.yaml")).isRegularFile();
        assertThat(Files.readString(home.resolve("systemd/esplink-gateway.service")))
                .contains("ExecStart=/opt/esplink-gateway/bin/esplink-gateway").doesNotContain("${project.version}");

        // the zip holds the same files
        List<String> tarEntries = new ArrayList<>();
        try (var walk = Files.walk(home)) {
            walk.filter(Files::isRegularFile).forEach(p -> tarEntries.add(home.getParent().relativize(p).toString()));
        }
        try (ZipFile zip = new ZipFile(DIST + ".zip")) {
            List<String> zipEntries = zip.stream().filter(e -> !e.isDirectory()).map(e -> e.getName()).toList();
            assertThat(zipEntries).containsExactlyInAnyOrderElementsOf(tarEntries);
        }
    }

    @Test
    void startedByItsScript_answersHealth_andStopsOnSigterm() throws Exception {
        Path home = unpack();
        int nodePort = freePort();
        int httpPort = freePort();
        Path log = tmp.resolve("gateway.log");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/esplink-gateway").toString())
                .directory(Files.createDirectories(tmp.resolve("work")).toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("JAVA_OPTS", "-Xmx256m");
        env.put("ESPLINK_DATA_DIR", tmp.resolve("data").toString());
        env.put("ESPLINK_HOST", "127.0.0.1");
        env.put("ESPLINK_PORT", String.valueOf(nodePort));
        env.put("ESPLINK_HTTP_PORT", String.valueOf(httpPort));
        env.put("ESPLINK_HTTP_TOKEN", TOKEN);
        gateway = pb.start();

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI health = URI.create("http://127.0.0.1:" + httpPort + "/health");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            assertThat(gateway.isAlive()).as("the gateway ended:\n%s", Files.readString(log)).isTrue();
            return http.send(HttpRequest.newBuilder(health).GET().build(), HttpResponse.BodyHandlers.ofString())
                           .statusCode() == 200;
        });
        HttpResponse<String> openapi = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                + "/openapi.json")).header("Authorization", "Bearer " + TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(openapi.statusCode()).isEqualTo(200);
        String output = Files.readString(log);
        assertThat(output).contains("esplink gateway ready").contains(tmp.resolve("data").toString())
                .contains("routes esplink-to-database,esplink-to-files");
        assertThat(tmp.resolve("data/esplink.mv.db")).isRegularFile();

        gateway.destroy(); // SIGTERM: the script exec'd java, which stops Camel cleanly
        assertThat(gateway.waitFor(45, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        assertThat(gateway.exitValue()).isIn(0, 143);
    }

    @Test
    void theJarAlone_runs() throws Exception {
        Path home = unpack();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                home.resolve("esplink-gateway.jar").toString(), "--help")
                .directory(home.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("esplink.port").contains("esplink-to-files");
    }

    private Path unpack() throws IOException, InterruptedException {
        Path into = Files.createDirectories(tmp.resolve("opt"));
        Process tar = new ProcessBuilder("tar", "-xzf", DIST + ".tar.gz", "-C", into.toString()).inheritIO().start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).isZero();
        Path home = into.resolve(Path.of(DIST).getFileName());
        assertThat(home).isDirectory();
        return home;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
