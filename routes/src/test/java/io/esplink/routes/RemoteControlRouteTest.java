package io.esplink.routes;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** remote-control: the upstream demo's button node (tx) drives its LED node (rx) through the gateway. */
class RemoteControlRouteTest extends RouteFileTestSupport {

    @Test
    void buttonStates_reachTheLedNode_onceEach_inOrder_withTheDemosDefaultIds() throws Exception {
        run("remote-control");
        RecordingNode led = node("rx");
        RecordingNode button = node("tx");
        button.client.send("[1]").get(10, TimeUnit.SECONDS);
        button.client.send("[0]").get(10, TimeUnit.SECONDS);
        button.client.send("[1]").get(10, TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> led.received.size() >= 3);
        assertThat(led.received).containsExactly("[1]", "[0]", "[1]");
        assertThat(led.client.duplicates()).isZero();
        assertThat(button.received).as("nothing goes back to the button").isEmpty();
    }

    @Test
    void aStateSentWhileTheLedNodeIsAway_reachesItWhenItConnects() throws Exception {
        props.put("esplink.relay.from", "button");
        props.put("esplink.relay.to", "lamp");
        run("remote-control");
        RecordingNode button = node("button");
        button.client.send("[1]").get(10, TimeUnit.SECONDS); // ACKed on receipt: the button never waits

        RecordingNode lamp = node("lamp");
        await().atMost(WAIT).until(() -> lamp.received.size() >= 1);
        assertThat(lamp.received).containsExactly("[1]");
    }
}
