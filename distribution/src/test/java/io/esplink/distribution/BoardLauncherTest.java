package io.esplink.distribution;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * bin/esplink-gateway on a small machine (issue 20): the first compiler only when asked (ESPLINK_JIT=quick, or auto
 * on one CPU or under 2 GiB), and a class-data archive made by one training start, then mapped at every start
 * (ESPLINK_CDS=auto); conf/ is still what the gateway reads.
 */
class BoardLauncherTest {

    @TempDir
    Path tmp;
    private Process gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null && gateway.isAlive()) {
            gateway.destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void cdsAuto_firstStartMakesTheArchive_theGatewayMapsIt_confStillRead_quickJitWhenAsked() throws Exception {
        Path home = Installation.unpack(tmp);
        Path conf = home.resolve("conf/application.properties");
        Files.writeString(conf, Files.readString(conf) + "\ncamel.main.name = esplink-board-test\n");
        Path log = tmp.resolve("gateway.log");
        Path cds = tmp.resolve("cds");
        int httpPort = Installation.freePort();
        ProcessBuilder pb = Installation.gateway(home, tmp, log, "-Xmx128m", Installation.freePort(), httpPort);
        pb.environment().put("ESPLINK_CDS", "auto");
        pb.environment().put("ESPLINK_CDS_DIR", cds.toString());
        pb.environment().put("ESPLINK_JIT", "quick");
        pb.environment().put("ESPLINK_ROUTES", "esplink-to-files");
        gateway = pb.start();
        // the training start answers /health too, for its second: wait for the gateway that maps the archive
        Path cmdlineFile = Path.of("/proc", String.valueOf(gateway.pid()), "cmdline");
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            assertThat(gateway.isAlive()).as("the gateway ended:\n%s", Files.readString(log)).isTrue();
            return Files.readString(cmdlineFile).contains("-XX:SharedArchiveFile=") && health(httpPort) == 200;
        });

        List<Path> archives;
        try (Stream<Path> s = Files.list(cds)) {
            archives = s.filter(p -> !p.getFileName().toString().equals("training.log")).toList();
        }
        assertThat(archives).as("one archive, no part left").hasSize(1);
        Path archive = archives.get(0);
        assertThat(archive.getFileName().toString()).endsWith(".jsa");
        String cmdline = Files.readString(cmdlineFile).replace('\0', ' ');
        assertThat(cmdline).contains("-XX:SharedArchiveFile=" + archive).contains("-XX:TieredStopAtLevel=1")
                .contains("-Xmx128m");
        assertThat(Files.readString(log)).as("conf/application.properties read").contains("(esplink-board-test)")
                .contains("a first start makes the class-data archive");

        // the archive maps for this java and this classpath: -Xshare:on refuses to start otherwise
        Process check = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-cp", home.resolve("esplink-gateway.jar").toString(),
                "-version").redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as("java -Xshare:on with the archive:\n%s", out).isZero();
    }

    @Test
    void aWrongJitOrCdsValue_isRefusedWithTheChoices() throws Exception {
        Path home = Installation.unpack(tmp);
        for (String[] bad : new String[][] {{"ESPLINK_JIT", "fast"}, {"ESPLINK_CDS", "on"}}) {
            Path log = tmp.resolve("bad.log");
            ProcessBuilder pb = Installation.gateway(home, tmp, log, "", Installation.freePort(), Installation.freePort());
            pb.environment().put(bad[0], bad[1]);
            Process p = pb.start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(2);
            assertThat(Files.readString(log)).contains(bad[0] + " must be").contains("not '" + bad[1] + "'");
        }
    }

    private static int health(int httpPort) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
