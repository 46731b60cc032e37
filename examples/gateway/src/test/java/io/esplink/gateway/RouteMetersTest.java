package io.esplink.gateway;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyNamingStrategy;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway's route meters are camel-micrometer's route policy at its "route" level: the same meters (names, tags,
 * types, descriptions) with the same counts, for exchanges that succeed, fail, have their failure handled, are
 * redelivered from outside, pass a second route, or come from a route template; and removed with their route. One
 * difference: a route's timer is there from the route's start (Camel's comes with its first exchange). Camel's
 * "app.info" gauge is its route policy service's, not a route meter (Camel Main's metrics service makes its own).
 */
class RouteMetersTest {

    /** Where Camel's own route policy counts. */
    private final MeterRegistry camels = new SimpleMeterRegistry();
    /** Where the gateway's counts: the registry bound as Camel Main binds its Prometheus one. */
    private final MeterRegistry gateways = new SimpleMeterRegistry();
    /** The same routes, measured by Camel's route policy. */
    private CamelContext camel;
    /** The same routes, measured by the gateway's. */
    private CamelContext gateway;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        camel.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, camels);
        camel.addRoutePolicyFactory(camelsPolicy());
        gateway = new DefaultCamelContext();
        gateway.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, gateways);
        gateway.addRoutePolicyFactory(new RouteMeters(MicrometerRoutePolicyNamingStrategy.DEFAULT));
        for (CamelContext c : List.of(camel, gateway)) {
            c.addRoutes(routes());
            c.start();
            c.addRouteFromTemplate("from-template", "doubled", Map.of("name", "twice"));
        }
    }

    /** camel-micrometer's route policy at the "route" level, as Camel Main sets it up. */
    private MicrometerRoutePolicyFactory camelsPolicy() {
        MicrometerRoutePolicyFactory f = new MicrometerRoutePolicyFactory();
        f.setMeterRegistry(camels);
        f.getPolicyConfiguration().setContextEnabled(false);
        return f;
    }

    private static RouteBuilder routes() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                routeTemplate("doubled").templateParameter("name")
                        .from("direct:{{name}}").setBody(simple("${body}${body}"));
                from("direct:ok").routeId("ok").to("direct:second");
                from("direct:second").routeId("second").setBody(simple("${body}!"));
                from("direct:fails").routeId("fails").errorHandler(noErrorHandler())
                        .throwException(new IllegalStateException("on purpose"));
                from("direct:handled").routeId("handled")
                        .onException(IllegalStateException.class).handled(true).setBody(constant("handled")).end()
                        .throwException(new IllegalStateException("on purpose"));
            }
        };
    }

    @AfterEach
    void stop() {
        camel.stop();
        gateway.stop();
    }

    /** The same exchanges through each context. */
    private static void exercise(CamelContext context) {
        ProducerTemplate t = context.createProducerTemplate();
        for (int i = 0; i < 7; i++) {
            assertThat(t.requestBody("direct:ok", "a", String.class)).isEqualTo("a!");
        }
        for (int i = 0; i < 3; i++) {
            Exchange failed = t.send("direct:fails", e -> e.getMessage().setBody("b"));
            assertThat(failed.isFailed()).isTrue();
        }
        for (int i = 0; i < 2; i++) {
            assertThat(t.requestBody("direct:handled", "c", String.class)).isEqualTo("handled");
        }
        t.send("direct:ok", e -> e.getMessage().setPayloadForTrait(
                org.apache.camel.trait.message.MessageTrait.REDELIVERY,
                org.apache.camel.trait.message.RedeliveryTraitPayload.IS_REDELIVERY));
        assertThat(t.requestBody("direct:twice", "d", String.class)).isEqualTo("dd");
    }

    @Test
    void sameMetersAndCountsAsCamelsRoutePolicy() {
        exercise(camel);
        exercise(gateway);

        Map<String, String> expected = meters(camels);
        assertThat(expected).as("Camel's route policy measured these routes")
                .containsKeys(timerOf("ok"), timerOf("second"), timerOf("fails"), timerOf("handled"),
                        timerOf("from-template"));
        assertThat(meters(gateways)).isEqualTo(expected);
        // the figures in a few of them, so that a policy counting nothing in both could not pass
        assertThat(expected.get(timerOf("ok"))).isEqualTo("TIMER Route performance metrics count=8");
        assertThat(expected).containsValue("COUNTER Number of failed exchanges count=3.0");
        assertThat(expected).containsValue("COUNTER Number of failures handled count=2.0");
        assertThat(expected).containsValue("COUNTER Number of external initiated redeliveries (such as from JMS broker) "
                                           + "count=1.0");
        for (Meter m : gateways.getMeters()) {
            if (m instanceof Timer timer && timer.count() > 0) {
                assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).as(m.getId().toString()).isPositive();
            }
        }
    }

    @Test
    void aRemovedRoutesMetersAreRemoved_asCamelsAre() throws Exception {
        for (CamelContext c : List.of(camel, gateway)) {
            c.createProducerTemplate().requestBody("direct:ok", "a", String.class);
            c.getRouteController().stopRoute("second");
            c.removeRoute("second");
        }
        assertThat(meters(camels)).doesNotContainKey(timerOf("second")).containsKey(timerOf("ok"));
        assertThat(meters(gateways)).isEqualTo(meters(camels));
        // no exchange yet: Camel's timer is not there, the gateway's is, at 0
        assertThat(gateways.find("camel.route.policy").tag("routeId", "handled").timer())
                .isNotNull().extracting(Timer::count).isEqualTo(0L);
    }

    @Test
    void withCamelsRoutePolicyOnToo_routesDoNotStart_sayingWhichTwoToChooseFrom() {
        CamelContext both = new DefaultCamelContext();
        both.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, new SimpleMeterRegistry());
        both.addRoutePolicyFactory(camelsPolicy());
        both.addRoutePolicyFactory(new RouteMeters(MicrometerRoutePolicyNamingStrategy.DEFAULT));
        try {
            assertThatThrownBy(() -> {
                both.addRoutes(routes());
                both.start();
            }).hasStackTraceContaining("camel.metrics.enable-route-policy=true")
                    .hasStackTraceContaining(RouteMeters.ENABLED + "=true");
        } finally {
            both.stop();
        }
    }

    @Test
    void withoutCamelsMetricsRegistry_noPolicy() throws Exception {
        CamelContext plain = new DefaultCamelContext();
        try {
            plain.addRoutePolicyFactory(new RouteMeters(MicrometerRoutePolicyNamingStrategy.DEFAULT));
            plain.addRoutes(routes());
            plain.start();
            assertThat(plain.getRoute("ok").getRoutePolicyList()).isEmpty();
            assertThat(plain.getRegistry().lookupByName(MicrometerConstants.METRICS_REGISTRY_NAME)).isNull();
        } finally {
            plain.stop();
        }
    }

    private static String timerOf(String routeId) {
        return "camel.route.policy [camelContext=%s, eventType=route, kind=CamelRoute, routeId=" + routeId + "]";
    }

    /**
     * Each meter as "name [tags]" (the context's name as %s) to "TYPE description count=...", but for timers that
     * measured nothing yet and Camel's "app.info".
     */
    private Map<String, String> meters(MeterRegistry registry) {
        Map<String, String> out = new TreeMap<>();
        for (Meter m : registry.getMeters()) {
            if (m.getId().getName().equals("app.info") || m instanceof Timer timer && timer.count() == 0) {
                continue;
            }
            StringBuilder tags = new StringBuilder();
            m.getId().getTags().forEach(tag -> tags.append(tags.length() == 0 ? "" : ", ").append(tag.getKey())
                    .append('=').append(tag.getKey().equals("camelContext") ? "%s" : tag.getValue()));
            String value;
            if (m instanceof Timer timer) {
                value = "count=" + timer.count();
            } else if (m instanceof Counter counter) {
                value = "count=" + counter.count();
            } else {
                value = m.getClass().getSimpleName();
            }
            out.put(m.getId().getName() + " [" + tags + "]",
                    m.getId().getType() + " " + m.getId().getDescription() + " " + value);
        }
        return out;
    }
}
