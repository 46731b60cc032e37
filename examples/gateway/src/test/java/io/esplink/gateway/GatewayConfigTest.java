package io.esplink.gateway;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** How the gateway takes its configuration: --name=value arguments, and esplink.routes. */
class GatewayConfigTest extends GatewayTestSupport {

    @Test
    void arguments_areNameValuePairs_helpIsNull_anythingElseIsRefused() {
        assertThat(Gateway.parseArguments(new String[] { "--esplink.port=9000", "--esplink.expected=a,b" }))
                .containsExactly(Map.entry("esplink.port", "9000"), Map.entry("esplink.expected", "a,b"));
        assertThat(Gateway.parseArguments(new String[] { "--help" })).isNull();
        assertThatThrownBy(() -> Gateway.parseArguments(new String[] { "esplink.port=9000" }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--name=value");
        assertThatThrownBy(() -> Gateway.parseArguments(new String[] { "--verbose" }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void overrides_winOverApplicationProperties() throws Exception {
        startGateway(Map.of("esplink.http.send-timeout", "3s"));
        assertThat(context().getPropertiesComponent().resolveProperty("esplink.port")).hasValue(String.valueOf(nodePort));
        assertThat(context().getPropertiesComponent().resolveProperty("esplink.http.send-timeout")).hasValue("3s");
        assertThat(get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void environmentVariables_winOverApplicationProperties_argumentsWinOverBoth() throws Exception {
        // the test support passes esplink.timeout as an argument
        startGateway(Map.of(), Map.of("ESPLINK_HTTP_SEND_TIMEOUT", "7s", "ESPLINK_TIMEOUT", "1500"));
        assertThat(context().getPropertiesComponent().resolveProperty("esplink.http.send-timeout")).hasValue("7s");
        assertThat(context().getPropertiesComponent().resolveProperty("esplink.timeout"))
                .hasValue(String.valueOf(TIMEOUT_MS));
        assertThat(context().getPropertiesComponent().resolveProperty("esplink.routes"))
                .as("untouched: from application.properties").hasValue("esplink-to-database,esplink-to-files");
    }

    @Test
    void unknownRouteName_failsToStart_namingTheKnownRoutes() {
        Throwable t = catchThrowable(() -> startGateway(Map.of(Gateway.ROUTES, "esplink-to-database,esplink-to-fax")));
        Throwable root = t;
        while (root.getCause() != null && !(root instanceof IllegalArgumentException)) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("esplink-to-fax").hasMessageContaining("esplink-to-mqtt");
    }

    @Test
    void routeFilesInTheRoutesDir_winOverTheJarsCopies() throws Exception {
        java.nio.file.Path dir = dataDir.resolve("my-routes");
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve("esplink-to-files.yaml"), """
                - route:
                    id: my-own-files-route
                    from:
                      uri: "timer:mine?repeatCount=1"
                      steps:
                        - log: "mine"
                """);
        startGateway(Map.of(Gateway.ROUTES_DIR, dir.toString()));
        assertThat(context().getRoute("my-own-files-route")).isNotNull();
        assertThat(context().getRoute("esplink-to-files")).as("the jar's copy is not loaded").isNull();
        assertThat(context().getRoute("esplink-to-database")).as("not in the dir: from the jar").isNotNull();
    }

    @Test
    void relativeDataDir_isMadeAbsolute() throws Exception {
        startGateway(Map.of("esplink.data.dir", "target/relative-data-test"));
        String dir = context().getPropertiesComponent().resolveProperty("esplink.data.dir").orElseThrow();
        assertThat(java.nio.file.Path.of(dir)).isAbsolute().endsWith(java.nio.file.Path.of("target/relative-data-test"));
    }
}
