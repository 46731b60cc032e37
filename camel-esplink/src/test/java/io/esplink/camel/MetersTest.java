package io.esplink.camel;

import java.util.concurrent.TimeUnit;

import io.esplink.camel.metrics.EspLinkMeterBinder;
import io.esplink.testing.RawNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The esplink.* meters, bound by the component to the MeterRegistry found in the Camel registry when an address's
 * server starts, read after real nodes connected, sent, resent and were refused, and removed when it stops.
 */
class MetersTest extends EspLinkTestSupport {

    private static final long TIMEOUT = 1000;

    private void startRoutes(String consumerOptions) throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=" + TIMEOUT + consumerOptions)).routeId("nodes").to("mock:in");
                from("direct:send").routeId("send").to(esplink("timeout=" + TIMEOUT));
            }
        });
    }

    private double counter(MeterRegistry registry, String name) {
        return registry.get(name).tag("address", address()).functionCounter().count();
    }

    private double gauge(MeterRegistry registry, String name) {
        return registry.get(name).tag("address", address()).gauge().value();
    }

    @Test
    void meters_countWhatNodesDo_tagAddress() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        context.getRegistry().bind("anyName", registry); // found by type: the only MeterRegistry
        startRoutes("&ackMode=processed");

        TestNode kitchen = upNode("kitchen", TIMEOUT);
        for (int i = 0; i < 3; i++) {
            kitchen.client.send("{\"t\":" + i + "}").get(10, TimeUnit.SECONDS); // ACKed once routed
        }
        template.requestBodyAndHeader("direct:send", "ping", EspLinkConstants.CLIENT_ID, "kitchen");
        kitchen.awaitReceived(1);

        assertThat(gauge(registry, EspLinkMeterBinder.NODES_CONNECTED)).isEqualTo(1);
        assertThat(gauge(registry, EspLinkMeterBinder.SESSIONS)).isEqualTo(1);
        assertThat(gauge(registry, EspLinkMeterBinder.CONNECTIONS)).isEqualTo(1);
        assertThat(gauge(registry, EspLinkMeterBinder.MESSAGES_PENDING)).isZero();
        assertThat(gauge(registry, EspLinkMeterBinder.MESSAGES_HELD)).isZero();
        assertThat(gauge(registry, EspLinkMeterBinder.READING_PAUSED)).isZero();
        assertThat(counter(registry, EspLinkMeterBinder.MESSAGES_IN)).isEqualTo(3);
        assertThat(counter(registry, EspLinkMeterBinder.MESSAGES_OUT)).isEqualTo(1);
        assertThat(counter(registry, EspLinkMeterBinder.NODES_CONNECTS)).isEqualTo(1);
        // the gateway's ACK of each node message, after its route completed
        assertThat(registry.get(EspLinkMeterBinder.ACK_DELAY).tag("address", address()).timer().count())
                .isEqualTo(3);
        // the node's ACK of "ping"
        await().atMost(WAIT).until(() -> registry.get(EspLinkMeterBinder.ACK_ROUNDTRIP)
                .tag("address", address()).timer().count() == 1);
        assertThat(registry.get(EspLinkMeterBinder.ACK_ROUNDTRIP).tag("address", address()).timer()
                .max(TimeUnit.MILLISECONDS)).isGreaterThan(0).isLessThan(TIMEOUT);

        // a duplicate, a resend, an outage and a refusal, from raw sockets
        RawNode hall = raw();
        hall.write("hall\n05one\n");
        assertThat(hall.readNonKeepalive(5000)).isEqualTo("05");
        hall.write("05one\n"); // the same message again, as after a lost ACK: a duplicate (L10)
        assertThat(hall.readNonKeepalive(5000)).isEqualTo("05");
        template.asyncRequestBodyAndHeader("direct:send", "light on", EspLinkConstants.CLIENT_ID, "hall");
        assertThat(hall.keepAliveFor(TIMEOUT * 2)).as("not ACKed: resent after the timeout (L20)")
                .hasSizeGreaterThanOrEqualTo(2).allMatch("00light on"::equals);
        hall.write("00\n");
        await().atMost(WAIT).until(() -> counter(registry, EspLinkMeterBinder.MESSAGES_RETRANSMISSIONS) >= 1);
        assertThat(counter(registry, EspLinkMeterBinder.MESSAGES_DUPLICATES)).isEqualTo(1);
        assertThat(counter(registry, EspLinkMeterBinder.MESSAGES_IN)).isEqualTo(4);
        assertThat(registry.get(EspLinkMeterBinder.ACK_ROUNDTRIP).tag("address", address()).timer().count())
                .as("a resent message is not timed").isEqualTo(1);

        RawNode bad = raw();
        bad.write("*\n"); // the broadcast address is no client ID
        assertThat(bad.closedWithin(5000)).isTrue();
        await().atMost(WAIT).until(() -> registry.get(EspLinkMeterBinder.CONNECTIONS_REFUSED)
                .tags("address", address(), "reason", "bad client ID").functionCounter().count() == 1);
        assertThat(registry.get(EspLinkMeterBinder.CONNECTIONS_REFUSED).tags("reason", "wrong secret")
                .functionCounter().count()).as("known reasons exist from the start").isZero();

        // hall goes silent: an outage; kitchen leaves
        await().atMost(WAIT).until(() -> registry.get(EspLinkMeterBinder.NODES_DISCONNECTS)
                .tags("address", address(), "reason", "timeout").functionCounter().count() == 1);
        kitchen.client.close();
        await().atMost(WAIT).until(() -> registry.get(EspLinkMeterBinder.NODES_DISCONNECTS)
                .tags("address", address(), "reason", "closed by peer").functionCounter().count() == 1);
        assertThat(gauge(registry, EspLinkMeterBinder.NODES_CONNECTED)).isZero();
        assertThat(gauge(registry, EspLinkMeterBinder.SESSIONS)).isEqualTo(2);
    }

    @Test
    void prometheus_textHasTheMeters_andTheyGoWithTheServer() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        context.getRegistry().bind("metricsRegistry", registry); // as camel-micrometer-prometheus binds it
        context.getRegistry().bind("other", new SimpleMeterRegistry()); // ignored: the named one wins
        startRoutes("");

        TestNode n = upNode("kitchen", TIMEOUT);
        n.client.send("hello").get(10, TimeUnit.SECONDS);
        template.requestBodyAndHeader("direct:send", "ping", EspLinkConstants.CLIENT_ID, "kitchen");

        String tag = "address=\"" + address() + "\"";
        await().atMost(WAIT).untilAsserted(() -> assertThat(registry.scrape())
                .contains("esplink_messages_in_total{" + tag + "} 1.0")
                .contains("esplink_messages_out_total{" + tag + "} 1.0")
                .contains("esplink_nodes_connected{" + tag + "} 1.0")
                .contains("esplink_ack_roundtrip_seconds_count{" + tag + "} 1")
                .contains("esplink_nodes_disconnects_total{" + tag + ",reason=\"timeout\"} 0.0")
                .contains("esplink_connections_refused_total{" + tag + ",reason=\"wrong secret\"} 0.0")
                .contains("# HELP esplink_messages_pending Messages to nodes waiting to be sent or acknowledged"));

        context.getRouteController().stopRoute("nodes");
        context.getRouteController().stopRoute("send");
        assertThat(registry.scrape()).doesNotContain("esplink_");
        assertThat(registry.find(EspLinkMeterBinder.MESSAGES_IN).meters()).isEmpty();
    }

    @Test
    void metricsEnabledFalse_bindsNothing() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        context.getRegistry().bind("metricsRegistry", registry);
        context.getComponent("esplink", EspLinkComponent.class).setMetricsEnabled(false);
        startRoutes("");
        upNode("kitchen", TIMEOUT);
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void binder_bindsToARegistryOfYourOwn() throws Exception {
        startRoutes(""); // no MeterRegistry in the Camel registry: nothing bound by the component
        SimpleMeterRegistry mine = new SimpleMeterRegistry();
        try (EspLinkMeterBinder binder = new EspLinkMeterBinder(
                context.getComponent("esplink", EspLinkComponent.class).getGateway(address()), address())) {
            binder.bindTo(mine);
            upNode("kitchen", TIMEOUT);
            await().atMost(WAIT).until(() -> gauge(mine, EspLinkMeterBinder.NODES_CONNECTED) == 1);
        }
        assertThat(mine.getMeters()).isEmpty();
    }
}
