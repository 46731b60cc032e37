package io.esplink.quarkus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** A free loopback port for the nodes and a fresh data directory, for the application under test. */
public class EspLinkTestResource implements QuarkusTestResourceLifecycleManager {

    static volatile int nodePort;
    static volatile Path dataDir;

    @Override
    public Map<String, String> start() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nodePort = s.getLocalPort();
            dataDir = Files.createTempDirectory("esplink-quarkus-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "esplink.host", "127.0.0.1",
                "esplink.port", String.valueOf(nodePort),
                "esplink.data.dir", dataDir.toString(),
                "quarkus.http.test-port", "0");
    }

    @Override
    public void stop() {
    }
}
