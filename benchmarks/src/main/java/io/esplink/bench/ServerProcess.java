package io.esplink.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A server the scenarios run in a process of its own (the gateway, or the ceiling server): CPU, heap, JFR, stop. */
final class ServerProcess implements AutoCloseable {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String name;
    final Process process;
    final Path log;
    final int port;
    /** {@link System#nanoTime()} just before the process was spawned. */
    final long spawnedNanos;
    /** From the spawn to the first 200 of {@link #awaitHttp}, in ms; -1 before. */
    double readyAfterMs = -1;

    private ServerProcess(String name, Process process, Path log, int port, long spawnedNanos) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
        this.spawnedNanos = spawnedNanos;
    }

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Processes still running when the runner exits (Ctrl-C) are stopped with it. */
    private static final java.util.Set<Process> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    static ServerProcess start(String name, List<String> command, Path dir, Path log, int port) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        long spawned = System.nanoTime();
        Process p = pb.start();
        LIVE.add(p);
        p.onExit().thenRun(() -> LIVE.remove(p));
        return new ServerProcess(name, p, log, port, spawned);
    }

    long pid() {
        return process.pid();
    }

    /** CPU time the process used so far (user + system), in nanoseconds. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Resident set size ({@code VmRSS} of /proc/<pid>/status) in bytes; -1 when it cannot be read. */
    long rssBytes() {
        return statusKb("VmRSS:") * 1024;
    }

    /** The CPUs the process may run on ({@code Cpus_allowed_list} of /proc/<pid>/status), or "?". */
    String cpusAllowed() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (l.startsWith("Cpus_allowed_list:")) {
                    return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // gone, or not Linux
        }
        return "?";
    }

    private long statusKb(String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (l.startsWith(key)) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or not Linux
        }
        return -1;
    }

    /** Waits until the port accepts connections. */
    void awaitPort(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException(name + " did not listen on " + port + " within " + timeout + "; see " + log);
    }

    /** Waits until GET url answers 200, asking every 200 ms. */
    void awaitHttp(String url, Duration timeout) throws IOException, InterruptedException {
        awaitHttp(url, timeout, 200);
    }

    /** Waits until GET url answers 200, asking every {@code everyMs}; sets {@link #readyAfterMs}. */
    void awaitHttp(String url, Duration timeout, long everyMs) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    readyAfterMs = (System.nanoTime() - spawnedNanos) / 1e6;
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(everyMs);
        }
        throw new IOException(name + " was not ready within " + timeout + " (" + last + "); see " + log);
    }

    /** Runs a full GC in the process and returns the heap used after it, in bytes (jcmd GC.run, GC.heap_info). */
    long heapAfterGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher m = USED.matcher(info);
        if (!m.find()) {
            throw new IOException("cannot read the heap of " + name + " from: " + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    String jcmd(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        Path javaBin = Path.of(java()).getParent();
        cmd.add(javaBin != null && Files.isExecutable(javaBin.resolve("jcmd")) ? javaBin.resolve("jcmd").toString() : "jcmd");
        cmd.add(Long.toString(pid()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    /** Stops the process (SIGTERM, then SIGKILL after 30 s) and waits for it. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
