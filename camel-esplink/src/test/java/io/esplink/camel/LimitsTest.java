package io.esplink.camel;

import java.io.EOFException;
import java.util.concurrent.TimeUnit;

import io.esplink.core.EspLinkException;
import io.esplink.testing.RawNode;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Handshake timeout, connection limit, unknown clients (L18) and line length (L7), set as endpoint options. */
class LimitsTest extends EspLinkTestSupport {

    private MockEndpoint consume(String options) throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink(options)).to("mock:in");
            }
        });
        return mock("in");
    }

    @Test
    void handshakeTimeout_closesAConnectionThatNeverSendsItsId_withoutWritingToIt() throws Exception {
        MockEndpoint in = consume("handshakeTimeout=300");
        RawNode silent = raw();
        long t0 = System.nanoTime();

        // L14: nothing at all goes to a connection before its ID, then it is closed
        assertThatThrownBy(() -> silent.readLine(5000)).isInstanceOf(EOFException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 4000L);

        // a node that sends its ID at once is not affected
        in.expectedBodiesReceived("prompt");
        TestNode n = upNode("n1", 2000);
        n.client.send("prompt").get(10, TimeUnit.SECONDS);
        in.assertIsSatisfied();
    }

    @Test
    void maxConnections_closesConnectionsOverTheLimit_andAcceptsAgainOnceBelow() throws Exception {
        MockEndpoint in = consume("maxConnections=1&handshakeTimeout=10000");
        in.expectedBodiesReceived("still here");

        RawNode first = raw();
        first.write("n1\n");
        assertThat(first.readLine(3000)).as("accepted: a keepalive after the ID").isEqualTo("");

        RawNode extra = raw();
        assertThat(extra.closedWithin(2000)).as("over the limit, long before the handshake timeout").isTrue();
        assertThat(server().refusedConnections()).isEqualTo(1);

        first.write("\n00still here\n");
        assertThat(first.readNonKeepalive(3000)).isEqualTo("00");
        in.assertIsSatisfied();

        first.close();
        await().atMost(WAIT).until(() -> server().connectionCount() == 0);
        RawNode later = raw();
        later.write("n2\n");
        assertThat(later.readLine(3000)).isEqualTo("");
    }

    @Test
    void rejectUnknownClients_closesAnUnknownIdAndAcceptsAnExpectedOne_L18() throws Exception {
        consume("expectedClientIds=n1,n2&rejectUnknownClients=true");

        RawNode intruder = raw();
        intruder.write("intruder\n");
        assertThatThrownBy(() -> intruder.readLine(3000)).isInstanceOf(EOFException.class);
        assertThat(server().node("intruder")).isNull();
        assertThat(server().refusedConnections()).isEqualTo(1);

        RawNode expected = raw();
        expected.write("n1\n");
        assertThat(expected.readLine(3000)).isEqualTo("");
        assertThat(awaitAttached("n1").connected()).isTrue();

        // sending to a node that can never connect fails at once
        Exchange ex = template.request(esplink("clientId=intruder"), e -> e.getMessage().setBody("hi"));
        assertThat(ex.getException()).isInstanceOf(EspLinkException.class).hasMessageContaining("intruder")
                .hasMessageContaining("expectedClientIds");
    }

    @Test
    void expectedClientIdsWithoutReject_unknownNodeIsOnlyWarnedAbout_L18() throws Exception {
        MockEndpoint in = consume("expectedClientIds=n1");
        in.expectedBodiesReceived("hello from a stranger");
        in.expectedHeaderReceived(EspLinkConstants.CLIENT_ID, "stranger");

        TestNode stranger = upNode("stranger", 2000);
        stranger.client.send("hello from a stranger").get(10, TimeUnit.SECONDS);
        in.assertIsSatisfied();
    }

    @Test
    void maxLineLength_longerLineClosesTheConnection_butTheSessionSurvives_L7() throws Exception {
        MockEndpoint in = consume("maxLineLength=32");
        in.expectedBodiesReceived("short", "after");

        RawNode raw = raw();
        raw.write("n1\n");
        assertThat(raw.readLine(3000)).isEqualTo("");
        raw.write("\n00short\n");
        assertThat(raw.readNonKeepalive(3000)).isEqualTo("00");
        raw.write("01" + "x".repeat(100) + "\n");
        assertThat(raw.closedWithin(3000)).isTrue();
        await().atMost(WAIT).until(() -> server().node("n1").lastDisconnectReason() != null);
        assertThat(server().node("n1").lastDisconnectReason()).contains("line too long");

        RawNode again = raw();
        again.write("n1\n");
        assertThat(again.readLine(3000)).isEqualTo("");
        again.write("\n01after\n");
        assertThat(again.readNonKeepalive(3000)).isEqualTo("01");

        in.assertIsSatisfied();
        assertThat(server().node("n1").connectCount()).isEqualTo(2);
        assertThat(in.getReceivedExchanges().get(1).getMessage().getHeader(EspLinkConstants.CONNECT_COUNT))
                .isEqualTo(2);
    }
}
