package io.esplink.camel;

import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The endpoint's and the consumer's MBeans, through the platform MBean server with camel-management: the gateway's
 * counters as attributes, and the operations that list the nodes, disconnect one (which reconnects by itself) and
 * send it a line.
 */
class JmxTest extends EspLinkTestSupport {

    private static final long TIMEOUT = 1000;
    private static final String[] LIST = { int.class.getName(), String.class.getName() };
    private static final String[] ONE = { String.class.getName() };
    private static final String[] TWO = { String.class.getName(), String.class.getName() };

    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();

    /** The MBean of this context of {@code type} whose {@code key} attribute is {@code value}. */
    private ObjectName mbean(String type, String key, String value) throws Exception {
        return mbean(type, key, value::equals);
    }

    private ObjectName mbean(String type, String key, java.util.function.Predicate<Object> test) throws Exception {
        Set<ObjectName> names = mbeans.queryNames(new ObjectName("org.apache.camel:type=" + type + ",*"), null);
        for (ObjectName on : names) {
            if (context.getName().equals(mbeans.getAttribute(on, "CamelId"))
                && test.test(mbeans.getAttribute(on, key))) {
                return on;
            }
        }
        throw new AssertionError("no such " + type + " MBean with " + key + " among " + names);
    }

    private Object attr(ObjectName on, String name) throws Exception {
        return mbeans.getAttribute(on, name);
    }

    @Test
    void endpointAndConsumerMBeans_countersAsAttributes_operationsListDisconnectAndSend() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=processed&timeout=" + TIMEOUT)).routeId("nodes").to("mock:in");
            }
        });
        assertThat(context.getManagementStrategy().getManagementAgent()).as("JMX on").isNotNull();
        TestNode kitchen = upNode("kitchen", TIMEOUT);
        kitchen.client.send("{\"t\":1}").get(10, TimeUnit.SECONDS);
        kitchen.client.send("{\"t\":2}").get(10, TimeUnit.SECONDS);

        String uri = context.getRoute("nodes").getEndpoint().getEndpointUri();
        ObjectName endpoint = mbean("endpoints", "EndpointUri", uri);
        assertThat(attr(endpoint, "GatewayAddress")).isEqualTo(address());
        assertThat(attr(endpoint, "GatewayAccepting")).isEqualTo(true);
        assertThat(attr(endpoint, "LocalPort")).isEqualTo(port);
        assertThat(attr(endpoint, "ConnectedNodes")).isEqualTo(1);
        assertThat(attr(endpoint, "Sessions")).isEqualTo(1);
        assertThat(attr(endpoint, "MessagesIn")).isEqualTo(2L);
        assertThat(attr(endpoint, "AckDelayCount")).isEqualTo(2L);
        assertThat(attr(endpoint, "RefusedConnections")).isEqualTo(0L);
        assertThat(attr(endpoint, "DisconnectsByReason")).asString().contains("timeout=0");

        TabularData nodes = (TabularData) mbeans.invoke(endpoint, "listNodes", new Object[] { 10, "" }, LIST);
        assertThat(nodes.size()).isEqualTo(1);
        CompositeData row = nodes.get(new Object[] { "kitchen" });
        assertThat(row.get("connected")).isEqualTo(true);
        assertThat(row.get("messagesIn")).isEqualTo(2L);
        assertThat(row.get("lastPayload")).isEqualTo("{\"t\":2}");

        // send a line: answered once the node ACKed it
        Object sent = mbeans.invoke(endpoint, "sendToNode", new Object[] { "kitchen", "led on" }, TWO);
        assertThat(sent).asString().startsWith("delivered");
        kitchen.awaitReceived(1);
        assertThat(kitchen.received).containsExactly("led on");
        assertThat(attr(endpoint, "MessagesOut")).isEqualTo(1L);
        assertThat(attr(endpoint, "AckRoundTripCount")).isEqualTo(1L);
        assertThatThrownBy(() -> mbeans.invoke(endpoint, "sendToNode", new Object[] { "kitchen", "two\nlines" }, TWO))
                .hasRootCauseInstanceOf(IllegalArgumentException.class);

        // the consumer's MBean: its route's state and the same gateway
        ObjectName consumer = mbean("consumers", "RouteId", "nodes");
        assertThat(attr(consumer, "AckMode")).isEqualTo("processed");
        assertThat(attr(consumer, "RouteFailing")).isEqualTo(false);
        assertThat(attr(consumer, "RouteFailuresTotal")).isEqualTo(0L);
        assertThat(attr(consumer, "ConnectedNodes")).isEqualTo(1);
        assertThat(((TabularData) mbeans.invoke(consumer, "listNodes", new Object[] { 10, null }, LIST)).size())
                .isEqualTo(1);

        // disconnect: the node is closed, reconnects by itself (L13) and is counted
        assertThat(mbeans.invoke(consumer, "disconnectNode", new Object[] { "kitchen" }, ONE)).isEqualTo(true);
        await().atMost(WAIT).until(() -> (Long) attr(endpoint, "Connects") == 2 && kitchen.client.isUp());
        assertThat(attr(endpoint, "DisconnectsByReason")).asString().contains("operator=1");
        assertThat(attr(endpoint, "Disconnects")).isEqualTo(1L);
        assertThat(mbeans.invoke(endpoint, "disconnectNode", new Object[] { "ghost" }, ONE)).isEqualTo(false);
    }

    @Test
    void endpointMBean_withoutARunningGateway_readsZero_operationsFail() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:idle").routeId("idle").to(esplink("clientId=kitchen"));
            }
        });
        // (Camel masks the clientId in the URI it shows)
        ObjectName endpoint = mbean("endpoints", "EndpointUri", u -> String.valueOf(u).startsWith("esplink:"));
        assertThat(attr(endpoint, "GatewayRunning")).isEqualTo(true);
        context.getRouteController().stopRoute("idle");
        assertThat(attr(endpoint, "GatewayRunning")).isEqualTo(false);
        assertThat(attr(endpoint, "MessagesIn")).isEqualTo(0L);
        assertThat(attr(endpoint, "LocalPort")).isEqualTo(-1);
        assertThatThrownBy(() -> mbeans.invoke(endpoint, "listNodes", new Object[] { 10, "" }, LIST))
                .hasRootCauseInstanceOf(IllegalStateException.class).hasStackTraceContaining("No esplink gateway runs");
    }
}
