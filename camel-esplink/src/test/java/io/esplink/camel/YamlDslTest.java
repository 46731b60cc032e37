package io.esplink.camel;

import java.util.concurrent.TimeUnit;

import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Routes written in the YAML DSL use the component like Java routes. */
class YamlDslTest extends EspLinkTestSupport {

    @Test
    void yamlRouteFromString_receivesANodesMessage() throws Exception {
        start();
        String yaml = "- from: { uri: \"esplink:127.0.0.1:{{port}}\", steps: [ { to: \"mock:yaml\" } ] }\n";
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString("esplink-inline.yaml", yaml));

        MockEndpoint out = mock("yaml");
        out.expectedBodiesReceived("from a yaml route");
        out.expectedHeaderReceived(EspLinkConstants.CLIENT_ID, "n1");

        TestNode n = upNode("n1", 2000);
        n.client.send("from a yaml route").get(10, TimeUnit.SECONDS);
        out.assertIsSatisfied();
    }

    @Test
    void yamlEchoRouteFromResource_answersTheSender_withDurationAndAckModeParameters() throws Exception {
        start();
        PluginHelper.getRoutesLoader(context).loadRoutes(
                ResourceHelper.resolveMandatoryResource(context, "classpath:routes/esplink-echo.yaml"));
        assertThat(server().config().timeoutMs()).as("timeout: 1s").isEqualTo(1000);

        TestNode n = upNode("n1", 1000);
        n.client.send("hi").get(10, TimeUnit.SECONDS);
        n.client.send("there").get(10, TimeUnit.SECONDS);
        n.awaitReceived(2);
        assertThat(n.received).containsExactly("echo:hi", "echo:there");
    }
}
