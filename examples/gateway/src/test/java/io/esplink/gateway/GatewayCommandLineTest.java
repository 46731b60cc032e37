package io.esplink.gateway;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The command line (picocli): --name=value for any property, the generated help, the ready routes found. */
class GatewayCommandLineTest {

    @TempDir
    Path dir;

    @Test
    void anyProperty_inTheFormNameEqualsValue_theLastOfARepeatedOneWins() {
        assertThat(GatewayCommandLine.parse(new String[] { "--camel.main.name=x", "--esplink.port=1",
                "--esplink.expected=", "--esplink.db.url=jdbc:h2:mem:a;MODE=PostgreSQL", "--esplink.port=2",
                "--esplink.db.password=-secret", "--esplink.routes={{env:ROUTES}}" }))
                .containsExactly(Map.entry("camel.main.name", "x"), Map.entry("esplink.port", "2"),
                        Map.entry("esplink.expected", ""), Map.entry("esplink.db.url", "jdbc:h2:mem:a;MODE=PostgreSQL"),
                        Map.entry("esplink.db.password", "-secret"), Map.entry("esplink.routes", "{{env:ROUTES}}"));
        assertThat(GatewayCommandLine.parse(new String[0])).isEmpty();
    }

    @Test
    void helpIsNull_everyOtherFormIsRefused() {
        assertThat(GatewayCommandLine.parse(new String[] { "-h" })).isNull();
        assertThat(GatewayCommandLine.parse(new String[] { "--esplink.port=1", "--help" })).isNull();
        for (String bad : List.of("--esplink.port", "--verbose", "-x", "--", "--=1", "esplink.port=1", "@args.txt")) {
            assertThatThrownBy(() -> GatewayCommandLine.parse(new String[] { bad })).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> GatewayCommandLine.parse(new String[] { "--esplink.port", "9000" }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown argument '--esplink.port': expected --name=value");
    }

    @Test
    void help_listsTheMainOptionsWithTheirDefaults_andTheReadyRoutesOfTheJarAndTheRoutesDir() throws Exception {
        Files.writeString(dir.resolve("my-own.yaml"), "- route: {}\n");
        Files.writeString(dir.resolve("notes.txt"), "not a route");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        GatewayCommandLine.printHelp(new PrintStream(buf, true, StandardCharsets.UTF_8), dir);
        String help = buf.toString(StandardCharsets.UTF_8);
        assertThat(help).contains("java -jar esplink-gateway.jar [--name=value ...]", "--esplink.port=<port>",
                "Default: 8123", "--esplink.http.port=<port>", "Default: 8080", "--esplink.timeout=<ms>",
                "Default: esplink-to-database,esplink-to-files", "ESPLINK_HTTP_PORT", dir.toString(),
                "--esplink.http.host=<address>", "Default: 127.0.0.1", "--esplink.http.token=<token>",
                "ESPLINK_HTTP_TOKEN", "--esplink.http.max-waiting=<n>", "Default: 100",
                "--esplink.http.tls.keystore=<file>", "--esplink.tls.keystore=<file>",
                "--esplink.log.messages=<level>", "Default: DEBUG");
        assertThat(help.substring(help.indexOf("Ready routes"))).contains("esplink-to-database", "esplink-to-mqtt",
                "mqtt-to-esplink", "presence-to-mqtt", "esplink-to-http", "remote-control", "my-own")
                .doesNotContain("notes");
    }

    @Test
    void readyRoutes_fromTheClassPathAndTheDirectory() throws Exception {
        Files.writeString(dir.resolve("extra.yaml"), "- route: {}\n");
        assertThat(ReadyRoutes.names(dir)).contains("esplink-to-database", "esplink-to-files", "esplink-to-mqtt",
                "mqtt-to-esplink", "presence-to-mqtt", "esplink-to-http", "remote-control", "extra")
                .doesNotContain("esplink-source", "esplink-sink", "nodes");
        assertThat(ReadyRoutes.names(dir.resolve("missing"))).contains("esplink-to-database")
                .doesNotContain("extra");
    }

    @Test
    void routesDir_argumentOverEnvironmentOverApplicationProperties() {
        assertThat(GatewayCommandLine.routesDir(new String[0], Map.of())).isEqualTo(Path.of("routes"));
        assertThat(GatewayCommandLine.routesDir(new String[0], Map.of("ESPLINK_ROUTES_DIR", "/e")))
                .isEqualTo(Path.of("/e"));
        assertThat(GatewayCommandLine.routesDir(new String[] { "--esplink.routes.dir=/a" },
                Map.of("ESPLINK_ROUTES_DIR", "/e"))).isEqualTo(Path.of("/a"));
    }

    @Test
    void process_helpExits0OnStdout_aBadArgumentExits2WithTheMessageOnStderr() throws Exception {
        Run help = run("--help");
        assertThat(help.exit).isZero();
        assertThat(help.out).contains("--esplink.port=<port>", "Ready routes", "esplink-to-mqtt");
        assertThat(help.err).isEmpty();

        Run bad = run("--esplink.port", "9000");
        assertThat(bad.exit).isEqualTo(2);
        assertThat(bad.err).startsWith("Unknown argument '--esplink.port': expected --name=value")
                .contains("--esplink.port=<port>");
        assertThat(bad.out).isEmpty();
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(GatewayProcess.command(List.of(args))).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited by itself").isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
