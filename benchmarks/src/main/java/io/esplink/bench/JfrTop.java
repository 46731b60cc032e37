package io.esplink.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Where a JFR recording's CPU went: the {@code jdk.ExecutionSample} events (threads running Java code) by thread,
 * by top frame (self) and by method anywhere on the stack (inclusive), and the {@code jdk.NativeMethodSample} events
 * (threads in native code: socket and file system calls, waits) by top frame. The same as reading
 * {@code jfr print --events jdk.ExecutionSample}, counted.
 */
@Command(name = "jfr-top", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
         description = "Summarises the CPU samples of JFR recordings.")
public final class JfrTop implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "JFR recordings.")
    List<Path> files;

    @Option(names = "--top", description = "Rows per table (default: ${DEFAULT-VALUE}).")
    int top = 15;

    PrintStream out = System.out;

    /** Stack markers counted inclusively: a sample counts for each marker found anywhere on its stack. */
    static final Map<String, String> MARKERS = new LinkedHashMap<>();

    static {
        MARKERS.put("esplink core (io.esplink.core)", "io.esplink.core.");
        MARKERS.put("esplink Camel layer (io.esplink.camel, not stores)", "io.esplink.camel.Esp");
        MARKERS.put("esplink stores (io.esplink.camel.store)", "io.esplink.camel.store.");
        MARKERS.put("Camel (org.apache.camel)", "org.apache.camel.");
        MARKERS.put("Camel exchange creation", "org.apache.camel.support.DefaultEndpoint.createExchange");
        MARKERS.put("H2 (org.h2)", "org.h2.");
        MARKERS.put("JDBC pool (dbcp2/pool2)", "org.apache.commons.");
        MARKERS.put("logging (log4j)", "org.apache.logging.");
        MARKERS.put("Jackson", "com.fasterxml.jackson.");
        MARKERS.put("Netty channel (read/write/flush)", "io.netty.channel.");
        MARKERS.put("Netty executors (task queues, wakeups)", "io.netty.util.concurrent.");
        MARKERS.put("file channels (sun.nio.ch.FileChannelImpl)", "sun.nio.ch.FileChannelImpl.");
        MARKERS.put("sockets (sun.nio.ch.SocketChannelImpl)", "sun.nio.ch.SocketChannelImpl.");
        MARKERS.put("selector (sun.nio.ch.EPollSelectorImpl)", "sun.nio.ch.EPollSelectorImpl.");
        MARKERS.put("JDK locks and parking (j.u.c.locks)", "java.util.concurrent.locks.");
    }

    @Override
    public Integer call() throws IOException {
        for (Path f : files) {
            summarise(f);
        }
        return 0;
    }

    void summarise(Path file) throws IOException {
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> markers = new LinkedHashMap<>();
        Map<String, Integer> nativeTop = new HashMap<>();
        Map<String, Integer> nativeByThread = new HashMap<>();
        int samples = 0;
        int nativeSamples = 0;
        try (RecordingFile rf = new RecordingFile(file)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                String type = e.getEventType().getName();
                boolean exec = type.equals("jdk.ExecutionSample");
                if (!exec && !type.equals("jdk.NativeMethodSample")) {
                    continue;
                }
                RecordedStackTrace st = e.getStackTrace();
                RecordedThread t = e.getThread("sampledThread");
                String thread = threadGroup(t == null ? "?" : t.getJavaName());
                List<RecordedFrame> frames = st == null ? List.of() : st.getFrames();
                String topFrame = frames.isEmpty() ? "?" : name(frames.get(0));
                if (!exec) {
                    nativeSamples++;
                    nativeByThread.merge(thread, 1, Integer::sum);
                    // the first frame below the JDK's own I/O classes says who waited
                    nativeTop.merge(topFrame + "  <- " + caller(frames), 1, Integer::sum);
                    continue;
                }
                samples++;
                byThread.merge(thread, 1, Integer::sum);
                self.merge(topFrame, 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                Set<String> seenMarkers = new HashSet<>();
                for (RecordedFrame fr : frames) {
                    String n = name(fr);
                    if (seen.add(n)) {
                        inclusive.merge(n, 1, Integer::sum);
                    }
                    for (Map.Entry<String, String> m : MARKERS.entrySet()) {
                        if (n.startsWith(m.getValue()) && seenMarkers.add(m.getKey())) {
                            markers.merge(m.getKey(), 1, Integer::sum);
                        }
                    }
                }
            }
        }
        out.printf("%n== %s: %d execution samples (Java code running), %d native samples%n", file.getFileName(),
                samples, nativeSamples);
        table("execution samples by thread", byThread, samples);
        table("top frames (self time)", self, samples);
        table("inclusive: share of samples with this code anywhere on the stack", markers, samples, markers.size());
        Map<String, Integer> ours = inclusive.entrySet().stream()
                .filter(en -> en.getKey().startsWith("io.esplink.") || en.getKey().startsWith("org.apache.camel."))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        table("inclusive: esplink and Camel methods", ours, samples);
        table("native samples by thread", nativeByThread, nativeSamples);
        table("native samples: top frame <- first caller outside java.*/sun.*/jdk.*", nativeTop, nativeSamples);
    }

    private void table(String title, Map<String, Integer> counts, int total) {
        table(title, counts, total, top);
    }

    private void table(String title, Map<String, Integer> counts, int total, int rows) {
        out.printf("-- %s%n", title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(rows)
                .forEach(en -> out.printf("%6.1f%%  %6d  %s%n", total == 0 ? 0 : 100.0 * en.getValue() / total,
                        en.getValue(), en.getKey()));
    }

    static String name(RecordedFrame f) {
        if (f.getMethod() == null) {
            return "?";
        }
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String caller(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String n = name(f);
            if (!n.startsWith("java.") && !n.startsWith("sun.") && !n.startsWith("jdk.")) {
                return n;
            }
        }
        return "?";
    }

    /** Thread names without their numbers: "Camel (x) thread #12 - esplink-delivery" -> "... esplink-delivery". */
    static String threadGroup(String name) {
        if (name == null) {
            return "?";
        }
        return name.replaceAll("#\\d+", "#n").replaceAll("-\\d+$", "-n").replaceAll("\\d+$", "n");
    }
}
