package io.esplink.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

/** What one load tool run measured: counters over the whole run and over the measuring window, and latencies. */
final class LoadResult {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final Map<String, Object> settings;
    final int nodes;
    /** From the start of connecting until every node had been up once; -1 if some never were. */
    final double allUpMs;
    final int everUp;
    final int upAtEnd;
    final double windowSeconds;
    final Counters total;
    final Counters window;
    final Histogram ackLatency;
    final Histogram echoLatency;
    final Histogram firstUp;
    /** Connect phase start to each node's TCP connection (ID line written), for its first time up; microseconds. */
    Histogram firstConnected;
    /** ID line written to the gateway's first line, for each node's first time up; microseconds. */
    Histogram firstLine;
    /** The load tool's own lag while connecting (until all were up): its latest timer, timers over 100 ms late. */
    double connectMaxLateMs;
    long connectLateTimers;
    /** The load tool's own lag in the window: its latest timer, and timers over 100 ms late. */
    double loopMaxLateMs;
    long loopLateTimers;

    LoadResult(Map<String, Object> settings, int nodes, double allUpMs, int everUp, int upAtEnd, double windowSeconds,
               Counters total, Counters window, Histogram ackLatency, Histogram echoLatency, Histogram firstUp) {
        this.settings = settings;
        this.nodes = nodes;
        this.allUpMs = allUpMs;
        this.everUp = everUp;
        this.upAtEnd = upAtEnd;
        this.windowSeconds = windowSeconds;
        this.total = total;
        this.window = window;
        this.ackLatency = ackLatency;
        this.echoLatency = echoLatency;
        this.firstUp = firstUp;
    }

    double ackedPerSecond() {
        return windowSeconds > 0 ? window.acked / windowSeconds : 0;
    }

    double echoedPerSecond() {
        return windowSeconds > 0 ? window.echoed / windowSeconds : 0;
    }

    double sentPerSecond() {
        return windowSeconds > 0 ? window.sent / windowSeconds : 0;
    }

    /** A latency percentile in milliseconds (histograms hold microseconds); NaN when empty. */
    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    static Map<String, Object> latency(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            m.put("meanMs", round(h.getMean() / 1000.0));
            m.put("p50Ms", ms(h, 50));
            m.put("p90Ms", ms(h, 90));
            m.put("p99Ms", ms(h, 99));
            m.put("p999Ms", ms(h, 99.9));
            m.put("maxMs", h.getMaxValue() / 1000.0);
        }
        return m;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settings", settings);
        m.put("nodes", nodes);
        m.put("allUpMs", allUpMs);
        m.put("everUp", everUp);
        m.put("upAtEnd", upAtEnd);
        m.put("firstUp", latency(firstUp));
        if (firstConnected != null) {
            m.put("firstConnected", latency(firstConnected));
            m.put("firstLine", latency(firstLine));
            m.put("connectMaxLateMs", round(connectMaxLateMs));
            m.put("connectLateTimers", connectLateTimers);
        }
        m.put("windowSeconds", round(windowSeconds));
        m.put("sentPerSecond", round(sentPerSecond()));
        m.put("ackedPerSecond", round(ackedPerSecond()));
        m.put("echoedPerSecond", round(echoedPerSecond()));
        m.put("ackLatency", latency(ackLatency));
        m.put("echoLatency", latency(echoLatency));
        m.put("loopMaxLateMs", round(loopMaxLateMs));
        m.put("loopLateTimers", loopLateTimers);
        m.put("window", window.toMap());
        m.put("total", total.toMap());
        return m;
    }

    void writeJson(Path file) throws IOException {
        JSON.writeValue(file.toFile(), toMap());
    }

    void print(PrintStream out) {
        out.printf("%s: %d node(s) -> %s%n", settings.get("mode"), nodes, settings.get("target"));
        out.printf("connect: %s; up at end %d/%d%n",
                allUpMs >= 0 ? String.format("all %d up in %.0f ms (first up p50 %.0f ms, p99 %.0f ms)", nodes, allUpMs,
                        ms(firstUp, 50), ms(firstUp, 99))
                        : String.format("only %d of %d ever up", everUp, nodes),
                upAtEnd, nodes);
        if (firstConnected != null && firstConnected.getTotalCount() > 0) {
            out.printf("connect phase: TCP connected p50 %.0f ms, p99 %.0f ms; ID line to first line p50 %.0f ms, "
                       + "p99 %.0f ms; load tool's own lag: timers up to %.0f ms late, %d over 100 ms%n",
                    ms(firstConnected, 50), ms(firstConnected, 99), ms(firstLine, 50), ms(firstLine, 99),
                    connectMaxLateMs, connectLateTimers);
        }
        out.printf("window %.1f s: sent %.0f/s, acked %.0f/s, echoed %.0f/s%n", windowSeconds, sentPerSecond(),
                ackedPerSecond(), echoedPerSecond());
        out.printf("load tool's own lag in the window: timers up to %.0f ms late, %d over 100 ms%s%n", loopMaxLateMs,
                loopLateTimers, loopMaxLateMs > 500 ? " (the tool was starved of CPU: figures are suspect)" : "");
        out.printf("%-18s %12s %12s%n", "counter", "window", "total");
        Map<String, Object> w = window.toMap();
        Map<String, Object> t = total.toMap();
        for (String k : t.keySet()) {
            out.printf("%-18s %12s %12s%n", k, w.get(k), t.get(k));
        }
        out.printf("%-12s %9s %9s %9s %9s %9s %9s%n", "latency ms", "count", "p50", "p90", "p99", "p99.9", "max");
        row(out, "send->ack", ackLatency);
        row(out, "send->echo", echoLatency);
    }

    private static void row(PrintStream out, String name, Histogram h) {
        if (h.getTotalCount() == 0) {
            out.printf("%-12s %9d%n", name, 0);
            return;
        }
        out.printf("%-12s %9d %9.2f %9.2f %9.2f %9.2f %9.2f%n", name, h.getTotalCount(), ms(h, 50), ms(h, 90),
                ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
    }
}
