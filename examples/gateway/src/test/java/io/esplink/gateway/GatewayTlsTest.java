package io.esplink.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.esplink.core.EspLinkClient;
import io.esplink.testing.RawNode;
import io.esplink.testing.RecordingNode;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** HTTPS for the API (esplink.http.tls.*) and TLS on the node port (esplink.tls.*), from properties only. */
class GatewayTlsTest extends GatewayTestSupport {

    private static final String PASSWORD = "changeit";
    private static Path httpKeystore;
    private static Path nodeKeystore;

    /** Two self-signed keys made with the JDK's keytool: one for the API, one for the node port. */
    @BeforeAll
    static void createKeystores() throws Exception {
        Path dir = Files.createDirectories(Paths.get("target", "tls-test"));
        httpKeystore = keytool(dir, "api");
        nodeKeystore = keytool(dir, "nodes");
    }

    private static Path keytool(Path dir, String name) throws Exception {
        Path keystore = dir.resolve(name + ".p12");
        Files.deleteIfExists(keystore);
        String keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + "-keytool.log").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(p.exitValue()).as("keytool exit code, see target/tls-test/" + name + "-keytool.log").isZero();
        return keystore;
    }

    private static TrustManagerFactory trusting(Path keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }

    @Test
    void httpsForTheApi_fromProperties_plainHttpIsNotAnswered() throws Exception {
        startGateway(Map.of("esplink.http.tls.keystore", httpKeystore.toString(),
                "esplink.http.tls.keystore-password", PASSWORD));
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trusting(httpKeystore).getTrustManagers(), null);
        HttpClient plain = http;
        http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        scheme = "https";

        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/nodes").statusCode()).isEqualTo(200);
        token = null;
        assertThat(get("/nodes").statusCode()).isEqualTo(401);

        scheme = "http";
        Throwable t = catchThrowable(() -> plain.send(HttpRequest.newBuilder(uri("/health"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()));
        assertThat(t).as("plain HTTP to the HTTPS port").isInstanceOf(IOException.class);
    }

    @Test
    void tlsOnTheNodePort_fromProperties_messagesAndCommandsTravelEncrypted_plainNodesAreClosed() throws Exception {
        startGateway(Map.of("esplink.tls.keystore", nodeKeystore.toString(), "esplink.tls.keystore-password",
                PASSWORD));
        EspLinkClient client = EspLinkClient.builder(HOST, nodePort, "secure").timeoutMs(TIMEOUT_MS)
                .sslContext(SslContextBuilder.forClient().trustManager(trusting(nodeKeystore)).build()).build();
        RecordingNode secure = new RecordingNode(client);
        nodes.add(secure);
        client.start();
        secure.awaitUp(WAIT);

        client.send("{\"over\": \"tls\"}").get(10, TimeUnit.SECONDS); // ACKed once stored
        assertThat(rows("SELECT payload FROM esplink_message WHERE client_id = ?", "secure"))
                .extracting(r -> r.get(0)).containsExactly("{\"over\": \"tls\"}");
        assertThat(post("/nodes/secure/messages", "text/plain", "command").statusCode()).isEqualTo(200);
        secure.awaitReceived(1, WAIT);
        assertThat(secure.received).containsExactly("command");

        try (RawNode plain = new RawNode(nodePort)) {
            plain.write("plain\n00hello\n");
            assertThat(plain.closedWithin(5000)).as("a node speaking plain text is closed").isTrue();
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows("SELECT client_id FROM esplink_event")).extracting(
                r -> r.get(0)).doesNotContain("plain"));
    }

    @Test
    void aKeystoreThatCannotBeRead_stopsTheStart_namingTheProperty() {
        Throwable t = catchThrowable(() -> startGateway(Map.of("esplink.http.tls.keystore",
                dataDir.resolve("missing.p12").toString())));
        assertThat(t).hasStackTraceContaining("esplink.http.tls.keystore").hasStackTraceContaining("missing.p12");
    }
}
