package io.esplink.distribution;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import io.esplink.core.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.esplink.distribution.Installation.DIST;
import static io.esplink.distribution.Installation.TOKEN;
import static io.esplink.distribution.Installation.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway as one installs it: the tar.gz this build made, unpacked in a temporary directory, started with
 * bin/esplink-gateway (data in the temporary directory, free ports), answering GET /health on epoll, then stopped;
 * its lib/ with the epoll library Netty loads on x86_64 and on 64-bit ARM.
 */
class DistributionTest {

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
        gateway = Installation.gateway(home, tmp, log, "-Xmx256m", nodePort, httpPort).start();

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
        // nodes on epoll here (Linux on x86_64 or aarch64: the library is in lib/), NIO where none fits
        assertThat(output).containsPattern("esplink gateway listening on 127\\.0\\.0\\.1:" + nodePort
                + " \\(timeout \\d+ ms, " + (Transports.epollLibrary() != null ? "epoll" : "nio") + ",");

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

    @Test
    void lib_holdsTheEpollLibraryNettyLoads_onX86_64_andOn64BitArm() throws Exception {
        Path home = unpack();
        List<String> classPath;
        try (var jar = new java.util.jar.JarFile(home.resolve("esplink-gateway.jar").toFile())) {
            classPath = Arrays.asList(jar.getManifest().getMainAttributes().getValue("Class-Path").split(" "));
        }
        // every native library of lib/, by the jar that holds it
        List<String> natives = new ArrayList<>();
        try (var lib = Files.list(home.resolve("lib"))) {
            for (Path jar : lib.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    zip.stream().map(ZipEntry::getName).filter(n -> n.startsWith("META-INF/native/") && n.endsWith(".so"))
                            .forEach(n -> natives.add("lib/" + jar.getFileName() + "!" + n));
                }
            }
        }
        // the os.arch a JVM says on a 64-bit PC (amd64) and on a 64-bit ARM board (aarch64): one jar each, named
        // by the gateway's manifest, with the very file Netty looks for there
        for (String arch : new String[] {"amd64", "aarch64"}) {
            String library = Transports.epollLibrary("Linux", arch);
            assertThat(library).as(arch).isNotNull();
            List<String> holders = natives.stream().filter(n -> n.endsWith("!META-INF/native/" + library)).toList();
            assertThat(holders).as("%s in lib/: %s", library, natives).hasSize(1);
            assertThat(classPath).contains(holders.get(0).substring(0, holders.get(0).indexOf('!')));
        }
        assertThat(natives).as("the epoll libraries of lib/").filteredOn(n -> n.contains("epoll"))
                .extracting(n -> n.substring(n.indexOf("!META-INF/native/") + "!META-INF/native/".length()))
                .containsExactlyInAnyOrder("libnetty_transport_native_epoll_x86_64.so",
                        "libnetty_transport_native_epoll_aarch_64.so");
    }

    private Path unpack() throws Exception {
        return Installation.unpack(tmp);
    }
}
