package io.esplink.distribution;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The tar.gz this build made, unpacked in a test's temporary directory, and its bin/esplink-gateway to start. */
final class Installation {

    static final String DIST = System.getProperty("esplink.dist");
    static final String TOKEN = "dist-test-token-0123456789";

    private Installation() {
    }

    /** Unpacks the tar.gz into {@code tmp}/opt; its home directory. */
    static Path unpack(Path tmp) throws IOException, InterruptedException {
        Path into = Files.createDirectories(tmp.resolve("opt"));
        Process tar = new ProcessBuilder("tar", "-xzf", DIST + ".tar.gz", "-C", into.toString()).inheritIO().start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).isZero();
        Path home = into.resolve(Path.of(DIST).getFileName());
        assertThat(home).isDirectory();
        return home;
    }

    /**
     * bin/esplink-gateway of {@code home}, to start in {@code tmp}/work with its output to {@code log}: this JVM's java,
     * {@code javaOpts}, data in {@code tmp}/data, nodes and HTTP on loopback ports {@code nodePort} and
     * {@code httpPort}.
     */
    static ProcessBuilder gateway(Path home, Path tmp, Path log, String javaOpts, int nodePort, int httpPort)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/esplink-gateway").toString())
                .directory(Files.createDirectories(tmp.resolve("work")).toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("JAVA_OPTS", javaOpts);
        env.put("ESPLINK_DATA_DIR", tmp.resolve("data").toString());
        env.put("ESPLINK_HOST", "127.0.0.1");
        env.put("ESPLINK_PORT", String.valueOf(nodePort));
        env.put("ESPLINK_HTTP_PORT", String.valueOf(httpPort));
        env.put("ESPLINK_HTTP_TOKEN", TOKEN);
        env.put("ESPLINK_CDS", "off"); // BoardLauncherTest makes and maps an archive; the others start as fast as they can
        return pb;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
