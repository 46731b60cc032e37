package io.esplink.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The default build's proof that the tools work: the load tool drives 10 nodes against the ceiling server for a
 * second, and the counters add up. Seconds, not a benchmark.
 */
class LoadToolSmokeTest {

    /** KAs every 250 ms on both sides: a one-second window holds four. */
    static final long TIMEOUT_MS = 1000;

    private CeilingServer ceiling;
    private int port;

    private void startCeiling(boolean echo) throws Exception {
        ceiling = new CeilingServer();
        ceiling.port = 0;
        ceiling.echo = echo;
        ceiling.timeoutMs = TIMEOUT_MS;
        port = ceiling.bind();
        ceiling.start("test-ceiling");
    }

    @AfterEach
    void stopCeiling() {
        if (ceiling != null) {
            ceiling.stop();
        }
    }

    private LoadTool tool(LoadEngine.Mode mode) {
        LoadTool t = new LoadTool();
        t.mode = mode;
        t.port = port;
        t.nodes = 10;
        t.timeoutMs = TIMEOUT_MS;
        t.warmup = Duration.ofMillis(200);
        t.duration = Duration.ofSeconds(1);
        t.progress = Duration.ZERO;
        t.out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return t;
    }

    @Test
    void ingestCountersAddUp() throws Exception {
        startCeiling(false);
        LoadResult r = tool(LoadEngine.Mode.ingest).run(new LoadTool.Hooks() {
        });
        Counters c = r.total;
        assertThat(r.everUp).isEqualTo(10);
        assertThat(r.upAtEnd).isEqualTo(10);
        assertThat(c.connects).isEqualTo(10);
        assertThat(c.sent).isPositive();
        assertThat(c.acked).as("every message ACKed after the drain").isEqualTo(c.sent);
        assertThat(r.window.acked).isPositive();
        assertThat(r.ackLatency.getTotalCount()).isEqualTo(r.window.acked);
        assertThat(c.received).isZero();
        assertThat(c.duplicates + c.retransmissions + c.outages() + c.refused + c.handshakeTimeouts + c.connectFailures
                   + c.badLines + c.strayAcks).isZero();
        assertThat(ceiling.messages()).isEqualTo(c.sent);
    }

    @Test
    void echoCountersAddUp() throws Exception {
        startCeiling(true);
        LoadResult r = tool(LoadEngine.Mode.echo).run(new LoadTool.Hooks() {
        });
        Counters c = r.total;
        assertThat(r.everUp).isEqualTo(10);
        assertThat(c.sent).isPositive();
        assertThat(c.acked).isEqualTo(c.sent);
        assertThat(c.echoed).as("an echo for every message").isEqualTo(c.sent);
        assertThat(ceiling.echoes()).isEqualTo(c.sent);
        assertThat(r.echoLatency.getTotalCount()).isEqualTo(r.window.echoed);
        assertThat(c.duplicates + c.retransmissions + c.outages() + c.echoTimeouts + c.strayAcks).isZero();
    }

    @Test
    void idleNodesStayUpOnKeepalives() throws Exception {
        startCeiling(false);
        LoadTool t = tool(LoadEngine.Mode.idle);
        LoadResult r = t.run(new LoadTool.Hooks() {
        });
        assertThat(r.upAtEnd).isEqualTo(10);
        assertThat(r.total.sent).isZero();
        assertThat(r.total.outages()).isZero();
    }

    @Test
    void duplicateWindowFollowsL10() {
        Wire.DupWindow w = new Wire.DupWindow();
        assertThat(w.accept(0)).isTrue();
        assertThat(w.accept(1)).isTrue();
        assertThat(w.accept(1)).isFalse();
        assertThat(w.accept(0)).as("ID 0 is always delivered").isTrue();
        assertThat(w.accept(1)).as("ID 0 cleared the window").isTrue();
        assertThat(w.accept(129)).isTrue(); // clears the byte of IDs 0-7
        assertThat(w.accept(1)).as("forgotten 128 IDs later").isTrue();
        Wire.MidCounter m = new Wire.MidCounter();
        assertThat(m.take()).isZero();
        for (int i = 1; i <= 255; i++) {
            assertThat(m.take()).isEqualTo(i);
        }
        assertThat(m.take()).as("0 is never reused").isEqualTo(1);
    }
}
