package io.esplink.camel;

import java.util.concurrent.TimeUnit;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** Every endpoint on one host:port shares one gateway: every matching consumer gets each message, options must agree. */
class SharedServerTest extends EspLinkTestSupport {

    @Test
    void consumersWithDifferentClientIds_eachGetOnlyTheirNode_andCatchAllGetsEveryNode() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("clientId=a")).to("mock:a");
                from(esplink("clientId=b")).to("mock:b");
                from(esplink("")).to("mock:all");
            }
        });
        MockEndpoint ma = mock("a");
        MockEndpoint mb = mock("b");
        MockEndpoint all = mock("all");
        ma.expectedBodiesReceived("a1", "a2");
        ma.expectedHeaderReceived(EspLinkConstants.CLIENT_ID, "a");
        mb.expectedBodiesReceived("b1", "b2");
        mb.expectedHeaderReceived(EspLinkConstants.CLIENT_ID, "b");
        all.expectedBodiesReceivedInAnyOrder("a1", "b1", "c1", "a2", "b2", "c2");

        TestNode a = upNode("a", 2000);
        TestNode b = upNode("b", 2000);
        TestNode c = upNode("c", 2000);
        for (int i = 1; i <= 2; i++) {
            a.client.send("a" + i).get(10, TimeUnit.SECONDS);
            b.client.send("b" + i).get(10, TimeUnit.SECONDS);
            c.client.send("c" + i).get(10, TimeUnit.SECONDS);
        }

        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void twoCatchAllConsumersOnOnePort_eachReceiveEveryMessageOnce() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("")).to("mock:one");
                from(esplink("events=true")).filter(header(EspLinkConstants.EVENT).isNull()).to("mock:two");
            }
        });
        mock("one").expectedBodiesReceived("m1", "m2", "m3");
        mock("two").expectedBodiesReceived("m1", "m2", "m3");
        TestNode n = upNode("n", 2000);
        for (int i = 1; i <= 3; i++) {
            n.client.send("m" + i).get(10, TimeUnit.SECONDS);
        }
        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void messagesFalseWithoutEvents_failsToStartWithAClearError() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("messages=false")).to("mock:nothing");
            }
        });
        assertThat(rootCause(catchThrowable(context::start)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would receive nothing").hasMessageContaining("events=true");
    }

    @Test
    void conflictingExplicitServerOptions_failToStartWithAClearError() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=500")).to("mock:in");
                from("direct:out").to(esplink("clientId=n1&timeout=1000"));
            }
        });
        assertThat(rootCause(catchThrowable(context::start)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout").hasMessageContaining("500").hasMessageContaining("1000")
                .hasMessageContaining(address());
    }

    @Test
    void conflictingExplicitOptionOnAnEndpointCreatedLater_failsWithAClearError() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=500")).to("mock:in");
            }
        });
        assertThat(rootCause(catchThrowable(() -> template.sendBody(esplink("clientId=n1&timeout=1000"), "x"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout=1000").hasMessageContaining("must agree");
        assertThat(server().config().timeoutMs()).isEqualTo(500);
    }

    @Test
    void endpointsOnOneAddress_shareOneGateway_andImplicitOptionsFollowTheExplicitOnes() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("clientId=a&timeout=500")).to(esplink("clientId=b&timeout=500"));
                from(esplink("clientId=b")).to("mock:fromB");
            }
        });
        MockEndpoint fromB = mock("fromB");
        fromB.expectedBodiesReceived("pong");
        assertThat(server().config().timeoutMs()).isEqualTo(500);

        TestNode a = upNode("a", 500);
        TestNode b = upNode("b", 500);
        a.client.send("ping").get(10, TimeUnit.SECONDS);
        b.awaitReceived(1);
        assertThat(b.received).containsExactly("ping");
        b.client.send("pong").get(10, TimeUnit.SECONDS);
        fromB.assertIsSatisfied();
        assertThat(server().connectedClientIds()).containsExactly("a", "b");
    }

    /** The innermost cause (Camel wraps a failure to start to a varying depth); fails if nothing was thrown. */
    private static Throwable rootCause(Throwable t) {
        assertThat(t).as("an exception").isNotNull();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    @Test
    void sharedGateway_outlivesItsFirstUser_andClosesItsPortWithTheLast() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("clientId=a")).routeId("a").to("mock:a");
                from(esplink("clientId=b")).routeId("b").to("mock:b");
            }
        });
        EspLinkComponent component = context.getComponent("esplink", EspLinkComponent.class);
        context.getRouteController().stopRoute("a");
        assertThat(component.getServer(address())).as("still used by route b").isNotNull();
        TestNode b = upNode("b", 2000);
        b.client.send("still served").get(10, TimeUnit.SECONDS);

        context.getRouteController().stopRoute("b");
        assertThat(component.getServer(address())).isNull();
        // nothing listens on the port any more (retried: a loopback connect can, rarely, connect to itself when
        // the kernel picks the target port as its source port)
        await().atMost(WAIT).until(() -> {
            try (java.net.Socket s = new java.net.Socket(HOST, port)) {
                return false;
            } catch (java.net.ConnectException refused) {
                return true;
            }
        });
    }
}
