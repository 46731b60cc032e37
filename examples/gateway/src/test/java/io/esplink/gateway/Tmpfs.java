package io.esplink.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A small tmpfs mounted for one test, to make a real full or read-only file system (needs root, as in CI); the test
 * is skipped where mounting is not allowed. Close it after the test.
 */
final class Tmpfs implements AutoCloseable {

    final Path dir;
    private final Path filler;

    private Tmpfs(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("filler");
    }

    /** Mounts a tmpfs of {@code megabytes} at {@code dir} (made if missing), or skips the test. */
    static Tmpfs mount(Path dir, int megabytes) throws Exception {
        Files.createDirectories(dir);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString()) == 0,
                "mounting a tmpfs needs root (CAP_SYS_ADMIN); not allowed here");
        return new Tmpfs(dir);
    }

    /** Fills the file system: writes to a filler file until no space is left. */
    void fill() throws IOException {
        ByteBuffer block = ByteBuffer.allocate(64 * 1024);
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (true) {
                block.clear();
                ch.write(block);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    /** Frees what {@link #fill()} took. */
    void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    void remount(boolean readOnly) throws Exception {
        if (run("mount", "-o", readOnly ? "remount,ro" : "remount,rw", dir.toString()) != 0) {
            throw new IllegalStateException("could not remount " + dir + (readOnly ? " read-only" : " read-write"));
        }
    }

    @Override
    public void close() throws Exception {
        for (int i = 0; i < 20 && run("umount", dir.toString()) != 0; i++) {
            run("umount", "-l", dir.toString());
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
