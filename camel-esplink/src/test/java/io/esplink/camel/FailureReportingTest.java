package io.esplink.camel;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.esplink.testing.LogCapture;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A route that cannot store what the nodes send: its consumer's readiness check is DOWN while it fails and UP with
 * the first success, and the log says so once per change, not once per message the nodes resend.
 */
class FailureReportingTest extends EspLinkTestSupport {

    private static final long TIMEOUT = 300;

    private final AtomicBoolean storeDown = new AtomicBoolean(true);
    private final AtomicInteger attempts = new AtomicInteger();

    private Optional<HealthCheck.Result> consumerCheck() {
        Collection<HealthCheck.Result> results = HealthCheckHelper.invokeReadiness(context, "full");
        return results.stream().filter(r -> r.getCheck().getId().equals("consumer:store")).findFirst();
    }

    @Test
    void processedRouteFailing_healthDownWhileItFails_oneWarnOneInfo_upAgainWhenTheStoreIsBack() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=processed&timeout=" + TIMEOUT)).routeId("store")
                        .process(e -> {
                            attempts.incrementAndGet();
                            if (storeDown.get()) {
                                throw new java.io.IOException("No space left on device");
                            }
                        });
            }
        });
        try (LogCapture log = new LogCapture(EspLinkConsumer.class)) {
            assertThat(consumerCheck()).as("the consumer's readiness check").isPresent();
            assertThat(consumerCheck().get().getState()).isEqualTo(HealthCheck.State.UP);

            TestNode n = upNode("n1", TIMEOUT);
            var sent = n.client.send("reading");
            await().atMost(WAIT).until(() -> attempts.get() >= 4); // the node resent it three times
            HealthCheck.Result down = consumerCheck().orElseThrow();
            assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(down.getMessage()).hasValueSatisfying(m -> assertThat(m).contains("No space left on device"));
            assertThat(down.getDetails()).containsEntry("route.id", "store");
            assertThat(sent).isNotDone();

            storeDown.set(false);
            sent.get(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> consumerCheck().orElseThrow().getState() == HealthCheck.State.UP);

            assertThat(log.messages(Level.WARN)).singleElement().asString()
                    .contains("Route store failed on message 00 of node 'n1'").contains("No space left on device")
                    .contains("left unacknowledged");
            assertThat(log.messages(Level.INFO)).singleElement().asString().contains("Route store succeeds again");
            assertThat(log.messages(Level.DEBUG)).filteredOn(m -> m.contains("failed on message 00"))
                    .hasSizeGreaterThanOrEqualTo(attempts.get() - 2);
        }
    }
}
