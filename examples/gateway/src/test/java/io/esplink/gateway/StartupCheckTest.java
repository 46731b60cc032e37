package io.esplink.gateway;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A data directory or database that cannot be written at start stops the gateway at once: exit code 74 and one
 * error line naming the path (or URL) and the cause, not a stack trace and not a gateway running without storage.
 */
class StartupCheckTest {

    @TempDir
    Path dir;

    /** Runs the gateway with {@code arguments}; returns its exit code and output (it must stop by itself). */
    private Result run(String... arguments) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(arguments));
        args.add("--esplink.host=127.0.0.1");
        args.add("--esplink.port=" + AvailablePortFinder.getNextAvailable());
        args.add("--esplink.http.host=127.0.0.1");
        args.add("--esplink.http.port=" + AvailablePortFinder.getNextAvailable());
        Path out = dir.resolve("out-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(GatewayProcess.command(args)).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the gateway stopped by itself").isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8));
    }

    private record Result(int exit, List<String> lines) {
        List<String> errors() {
            return lines.stream().filter(l -> l.contains(" ERROR ") || l.contains("Exception") || l.contains("\tat "))
                    .collect(Collectors.toList());
        }
    }

    @Test
    void dataDirectoryThatCannotBeMade_exit74_oneLineNamingThePath() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "in the way");
        Path data = file.resolve("data");
        Result r = run("--esplink.data.dir=" + data);
        assertThat(r.exit()).isEqualTo(Gateway.EXIT_STORAGE);
        assertThat(r.errors()).singleElement().asString().contains("esplink gateway cannot start")
                .contains(data.toString()).contains("a file of that name is in the way");
    }

    @Test
    void databaseThatCannotBeReached_exit74_oneLineNamingTheUrl() throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + AvailablePortFinder.getNextAvailable() + "/esplink";
        Result r = run("--esplink.data.dir=" + dir.resolve("data"), "--esplink.db.url=" + url);
        assertThat(r.exit()).isEqualTo(Gateway.EXIT_STORAGE);
        assertThat(r.errors()).singleElement().asString().contains("esplink gateway cannot start").contains(url)
                .contains("cannot connect");
    }

    @Test
    void readOnlyDataDirectory_exit74_oneLineWithTheCause() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("ro"), 4)) {
            fs.remount(true);
            Result r = run("--esplink.data.dir=" + fs.dir);
            assertThat(r.exit()).isEqualTo(Gateway.EXIT_STORAGE);
            assertThat(r.errors()).singleElement().asString().contains(fs.dir.toString())
                    .contains("Read-only file system");
        }
    }
}
