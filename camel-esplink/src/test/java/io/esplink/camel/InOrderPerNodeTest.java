package io.esplink.camel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.AsyncProcessorSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node's messages go through a route one after the other, in the order the node sent them, even when the route
 * completes asynchronously: the next message enters only once the previous exchange completed. Other nodes are not
 * held up meanwhile.
 */
class InOrderPerNodeTest extends EspLinkTestSupport {

    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final List<String> entered = new CopyOnWriteArrayList<>();
    private final List<String> completed = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopTimer() {
        later.shutdownNow();
    }

    /** Completes "slow..." messages 300 ms later on another thread, every other message at once. */
    private final AsyncProcessor slowThenFast = new AsyncProcessorSupport() {
        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            String body = exchange.getMessage().getBody(String.class);
            entered.add(body);
            if (body.startsWith("slow")) {
                later.schedule(() -> {
                    completed.add(body);
                    callback.done(false);
                }, 300, TimeUnit.MILLISECONDS);
                return false;
            }
            completed.add(body);
            callback.done(true);
            return true;
        }
    };

    @ParameterizedTest
    @ValueSource(strings = { "received", "processed" })
    void asynchronousRoute_aNodesMessagesCompleteInTheOrderSent(String ackMode) throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=" + ackMode + "&timeout=1000")).process(slowThenFast);
            }
        });
        TestNode n = upNode("n1", 1000);
        // without waiting for ACKs, as a node with qos but no wait would
        n.client.send("slow-1", true, false);
        n.client.send("fast-2", true, false);
        n.client.send("slow-3", true, false);
        n.client.send("fast-4", true, false);

        await().atMost(WAIT).until(() -> completed.size() == 4);
        assertThat(entered).containsExactly("slow-1", "fast-2", "slow-3", "fast-4");
        assertThat(completed).containsExactly("slow-1", "fast-2", "slow-3", "fast-4");
    }

    @Test
    void aSlowNodeDoesNotHoldUpAnother() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=1000")).process(slowThenFast);
            }
        });
        TestNode a = upNode("a", 1000);
        TestNode b = upNode("b", 1000);
        a.client.send("slow-a", true, false);
        await().atMost(WAIT).until(() -> entered.contains("slow-a"));
        b.client.send("fast-b", true, false);

        await().atMost(WAIT).until(() -> completed.size() == 2);
        assertThat(completed).containsExactly("fast-b", "slow-a");
    }
}
