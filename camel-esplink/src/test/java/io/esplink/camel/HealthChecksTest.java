package io.esplink.camel;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The readiness check of each listening address and the liveness check of the event loops, through Camel's health
 * API: registered when the address's server starts, gone when it stops, options to turn them off, and the optional
 * check that every expected node is up. (Exposure level "full": Camel's default level shows only the checks that
 * are DOWN, or one that is UP.)
 */
class HealthChecksTest extends EspLinkTestSupport {

    private String serverCheck() {
        return "esplink-server-" + address();
    }

    private static Optional<HealthCheck.Result> result(Collection<HealthCheck.Result> results, String id) {
        return results.stream().filter(r -> r.getCheck().getId().equals(id)).findFirst();
    }

    private HealthCheck.Result readiness(String id) {
        return result(HealthCheckHelper.invokeReadiness(context, "full"), id)
                .orElseThrow(() -> new AssertionError("no readiness check " + id));
    }

    private void startConsumer(String options) throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink(options)).routeId("nodes").to("mock:in");
            }
        });
    }

    @Test
    void readinessPerAddress_upWhileAccepting_downWhenQuiesced_goneWhenTheServerStops() throws Exception {
        startConsumer("");

        HealthCheck.Result up = readiness(serverCheck());
        assertThat(up.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(up.getDetails()).containsEntry("port", port).containsEntry("nodes.connected", 0)
                .containsEntry("address", address());
        assertThat(result(HealthCheckHelper.invokeLiveness(context, "full"), serverCheck())).as("readiness only")
                .isEmpty();

        TestNode n = upNode("kitchen", 2000);
        await().atMost(WAIT).until(() -> readiness(serverCheck()).getDetails().get("nodes.connected").equals(1));

        server().quiesce(); // what the context's stopping does first: no more node connections
        HealthCheck.Result down = readiness(serverCheck());
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage()).get().asString().contains("does not take node connections");
        n.client.close();

        context.getRouteController().stopRoute("nodes");
        assertThat(result(HealthCheckHelper.invokeReadiness(context, "full"), serverCheck()))
                .as("unregistered with the server").isEmpty();
    }

    @Test
    void liveness_upWhileTheEventLoopsRun() throws Exception {
        startConsumer("");
        Collection<HealthCheck.Result> live = HealthCheckHelper.invokeLiveness(context, "full");
        HealthCheck.Result r = result(live, "esplink-liveness").orElseThrow();
        assertThat(r.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat((Integer) r.getDetails().get("event.loops")).isGreaterThanOrEqualTo(2); // accept + io
        assertThat(result(HealthCheckHelper.invokeReadiness(context, "full"), "esplink-liveness")).as("liveness only")
                .isEmpty();
        assertThat(HealthCheckHelper.isResultsUp(live, false)).isTrue();
    }

    @Test
    void liveness_downWhileAnEventLoopIsStuck_upOnceItRunsAgain() throws Exception {
        EventLoopGroup own = new NioEventLoopGroup(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            context.getComponent("esplink", EspLinkComponent.class).setWorkerGroup(own);
            startConsumer("");
            EspLinkLivenessHealthCheck check = HealthCheckHelper.getHealthCheck(context, "esplink-liveness",
                    EspLinkLivenessHealthCheck.class);
            check.stallMillis(300);
            assertThat(HealthCheckHelper.invoke(context, "esplink-liveness", java.util.Map.of()).orElseThrow()
                    .getState()).isEqualTo(HealthCheck.State.UP);

            own.next().execute(() -> { // a stuck event loop (never done by esplink's own code)
                try {
                    release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(WAIT).untilAsserted(() -> {
                HealthCheck.Result r = result(HealthCheckHelper.invokeLiveness(context, "full"), "esplink-liveness")
                        .orElseThrow();
                assertThat(r.getState()).isEqualTo(HealthCheck.State.DOWN);
                assertThat(r.getMessage()).get().asString().contains("esplink-io #1 has not run a task");
            });

            release.countDown();
            await().atMost(WAIT).until(() -> result(HealthCheckHelper.invokeLiveness(context, "full"),
                    "esplink-liveness").orElseThrow().getState() == HealthCheck.State.UP);
        } finally {
            release.countDown();
            context.stop();
            own.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void expectedNodes_downUntilEveryExpectedNodeIsConnected_namingTheMissing() throws Exception {
        context.getComponent("esplink", EspLinkComponent.class).setHealthCheckExpectedNodesEnabled(true);
        startConsumer("expectedClientIds=kitchen,hall&timeout=2000");

        HealthCheck.Result none = readiness(serverCheck());
        assertThat(none.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(none.getMessage()).get().asString().isEqualTo("2 of the 2 expected node(s) not connected: hall, "
                                                                 + "kitchen");
        assertThat(none.getDetails()).containsEntry("nodes.missing", 2);

        upNode("kitchen", 2000);
        await().atMost(WAIT).untilAsserted(() -> assertThat(readiness(serverCheck()).getMessage()).get().asString()
                .isEqualTo("1 of the 2 expected node(s) not connected: hall"));

        TestNode hall = upNode("hall", 2000);
        await().atMost(WAIT).until(() -> readiness(serverCheck()).getState() == HealthCheck.State.UP);

        hall.client.close();
        await().atMost(WAIT).until(() -> readiness(serverCheck()).getState() == HealthCheck.State.DOWN);
    }

    @Test
    void expectedNodes_ignoredByDefault() throws Exception {
        startConsumer("expectedClientIds=kitchen,hall");
        assertThat(readiness(serverCheck()).getState()).isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void componentOptions_turnTheChecksOff_notRegisteredAtAll() throws Exception {
        EspLinkComponent component = context.getComponent("esplink", EspLinkComponent.class);
        component.setHealthCheckServerEnabled(false);
        component.setHealthCheckLivenessEnabled(false);
        startConsumer("");
        assertThat(result(HealthCheckHelper.invokeReadiness(context, "full"), serverCheck())).isEmpty();
        assertThat(result(HealthCheckHelper.invokeLiveness(context, "full"), "esplink-liveness")).isEmpty();
        assertThat(HealthCheckHelper.getHealthCheck(context, serverCheck())).isNull();
        // the consumer's own check stays
        assertThat(readiness("consumer:nodes").getState()).isEqualTo(HealthCheck.State.UP);
    }
}
