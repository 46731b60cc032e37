package io.esplink.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.esplink.testing.LogCapture;
import io.esplink.testing.RawNode;
import io.esplink.testing.TestGateway;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Client IDs are checked at the door (L3 and what esplink adds): a connection whose ID line breaks a rule is refused
 * before the gateway writes a byte, with a log line that names the rule and cannot forge another log line.
 */
class DoorRulesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static void assertRefusedSilently(TestGateway gw, RawNode node) throws IOException {
        assertThat(node.closedWithin(5000)).as("refused").isTrue();
        assertThat(gw.server.nodes()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "*", " n1", "n1 ", "{{esplink.db.password}}", "a\u001b[31mred", "bidi\u202eevil",
                             "zero\u200bwidth" })
    void L3_clientIdBreakingARule_isRefusedBeforeAnyByte(String id) throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            node.write(id + "\n00hello\n");
            assertRefusedSilently(gw, node);
            assertThat(gw.server.refusedConnectionsByReason()).containsEntry("bad client ID", 1L);
            assertThat(gw.messages).isEmpty();
        }
    }

    @Test
    void L3_clientIdLongerThanMaxClientIdLength_isRefused_andExactlyTheLimitIsAccepted() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().maxClientIdLength(8))) {
            try (RawNode tooLong = new RawNode(gw.port())) {
                tooLong.write("123456789\n");
                assertRefusedSilently(gw, tooLong);
            }
            try (RawNode fits = new RawNode(gw.port())) {
                fits.write("12345678\n00ok\n");
                assertThat(fits.readNonKeepalive(5000)).isEqualTo("00");
            }
        }
    }

    @Test
    void L7_anIdLineIsNeverBufferedBeyondItsOwnLimit_aMessageSizedIdClosesTheConnection() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            // far below maxLineLength (16 KB), far above what an ID line may be: closed without its newline
            node.writeBytes("x".repeat(1000).getBytes(StandardCharsets.US_ASCII));
            assertThat(node.closedWithin(5000)).isTrue();
            assertThat(gw.server.refusedConnectionsByReason()).containsKey("ID line too long");
        }
    }

    @Test
    void L3_idLinesThatDifferOnlyInInvalidUtf8_areBothRefused_neverOneSession() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig())) {
            for (byte bad : new byte[] { (byte) 0xff, (byte) 0xfe }) {
                try (RawNode node = new RawNode(gw.port())) {
                    node.writeBytes(new byte[] { 'n', bad, '\n' });
                    assertRefusedSilently(gw, node);
                }
            }
            assertThat(gw.server.refusedConnectionsByReason()).containsEntry("bad client ID", 2L);
        }
    }

    @Test
    void logLinesOfARefusal_nameTheRule_andEscapeWhatTheNodeSent_soNoLineCanBeForged() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig());
             LogCapture log = new LogCapture("io.esplink.core")) {
            try (RawNode node = new RawNode(gw.port())) {
                node.write("x\r12:00:00 INFO  EspLinkServer - Node 'admin' connected\u001b[0m\n");
                assertThat(node.closedWithin(5000)).isTrue();
            }
            await().atMost(WAIT).until(() -> !log.messages(Level.WARN).isEmpty());
            List<String> warn = log.messages(Level.WARN);
            assertThat(warn).singleElement().asString().contains("control, format or replacement character")
                    .contains("\\u000d").contains("\\u001b").doesNotContain("\r").doesNotContain("\u001b");
        }
    }

    @Test
    void aFloodOfRefusals_isLoggedInBoundedAmounts_notOneLineEach() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().maxConnectionRatePerAddress(0));
             LogCapture log = new LogCapture("io.esplink.core")) {
            for (int i = 0; i < 50; i++) {
                try (RawNode node = new RawNode(gw.port())) {
                    node.write("*\n");
                    assertThat(node.closedWithin(5000)).isTrue();
                }
            }
            await().atMost(WAIT).until(() -> gw.server.refusedConnections() == 50);
            long warnings = log.events().stream().filter(e -> e.getLevel() == Level.WARN)
                    .map(LogEvent::getLoggerName).filter(n -> n.endsWith("SessionRegistry")).count();
            assertThat(warnings).as("one WARN for the reason; the rest at DEBUG until the minute's summary")
                    .isEqualTo(1);
        }
    }
}
