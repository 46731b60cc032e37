package io.esplink.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.esplink.core.EspLinkClient;

import static org.awaitility.Awaitility.await;

/**
 * A Java node client for tests and what its application received, in order. Shared by the tests of every module
 * (camel-esplink's test-jar).
 */
public class RecordingNode implements AutoCloseable {

    public final EspLinkClient client;
    public final List<String> received = new CopyOnWriteArrayList<>();

    /** Records every line {@code client} hands to its application; start the client afterwards. */
    public RecordingNode(EspLinkClient client) {
        this.client = client;
        client.onMessage(received::add);
    }

    /** A started node on {@code host:port} whose link is up (L14) within {@code wait}. */
    public static RecordingNode up(String host, int port, String clientId, long timeoutMs, Duration wait) {
        RecordingNode n = new RecordingNode(EspLinkClient.builder(host, port, clientId).timeoutMs(timeoutMs).build());
        n.client.start();
        return n.awaitUp(wait);
    }

    public RecordingNode awaitUp(Duration wait) {
        await().atMost(wait).until(client::isUp);
        return this;
    }

    /** Waits until at least {@code count} lines arrived. */
    public void awaitReceived(int count, Duration wait) {
        await().atMost(wait).until(() -> received.size() >= count);
    }

    @Override
    public void close() {
        client.close();
    }
}
