package io.esplink.camel;

import java.io.File;
import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.TrustManagerFactory;

import io.esplink.core.EspLinkClient;
import io.esplink.testing.RawNode;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** TLS on the listening socket, configured with Camel's SSLContextParameters. */
class TlsTest extends EspLinkTestSupport {

    private static final String PASSWORD = "changeit";
    private static Path keystore;

    /** A self-signed key pair made with the JDK's keytool, so the test needs no file from elsewhere. */
    @BeforeAll
    static void createKeystore() throws Exception {
        Path dir = Files.createDirectories(Paths.get("target", "tls-test"));
        keystore = dir.resolve("gateway.p12");
        Files.deleteIfExists(keystore);
        String keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "gateway", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass",
                PASSWORD)
                .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(p.exitValue()).as("keytool exit code, see target/tls-test/keytool.log").isZero();
    }

    private SSLContextParameters serverTls() {
        KeyStoreParameters ksp = new KeyStoreParameters();
        ksp.setResource("file:" + keystore.toAbsolutePath());
        ksp.setPassword(PASSWORD);
        ksp.setType("PKCS12");
        KeyManagersParameters kmp = new KeyManagersParameters();
        kmp.setKeyStore(ksp);
        kmp.setKeyPassword(PASSWORD);
        SSLContextParameters scp = new SSLContextParameters();
        scp.setKeyManagers(kmp);
        return scp;
    }

    private static SslContext clientTls() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(new File(keystore.toString()))) {
            trust.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return SslContextBuilder.forClient().trustManager(tmf).build();
    }

    @Test
    void tls_nodeMessagesAndCommandsTravelEncrypted_plainTextNodeIsClosed() throws Exception {
        context.getRegistry().bind("tls", serverTls());
        MockEndpoint mock = mock("tls");
        mock.expectedBodiesReceived("over tls");
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("sslContextParameters=#tls&timeout=1000")).to("mock:tls");
            }
        });

        try (EspLinkClient node = EspLinkClient.builder(HOST, port, "secure").timeoutMs(1000)
                .sslContext(clientTls()).build()) {
            java.util.List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            node.onMessage(got::add).start();
            node.send("over tls").get(10, TimeUnit.SECONDS);
            mock.assertIsSatisfied();
            template.sendBodyAndHeader(esplink("clientId=secure"), "command", EspLinkConstants.CLIENT_ID, "secure");
            await().atMost(WAIT).untilAsserted(() -> assertThat(got).containsExactly("command"));
        }

        RawNode plain = raw();
        plain.write("plain\n00hello\n");
        assertThat(plain.closedWithin(5000)).as("a node speaking plain text to a TLS gateway is closed").isTrue();
        assertThat(server().node("plain")).isNull();
        // the TLS layer may close the socket a moment before the gateway counts the refusal
        await().atMost(WAIT).untilAsserted(() -> assertThat(server().refusedConnections()).isEqualTo(1));
        assertThat(mock.getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void globalSslContextParameters_usedByEndpointsThatSetNone_whenTheComponentIsToldTo() throws Exception {
        context.setSSLContextParameters(serverTls());
        context.getComponent("esplink", EspLinkComponent.class).setUseGlobalSslContextParameters(true);
        MockEndpoint mock = mock("tls");
        mock.expectedBodiesReceived("global tls");
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=1000")).to("mock:tls");
            }
        });
        try (EspLinkClient node = EspLinkClient.builder(HOST, port, "secure").timeoutMs(1000)
                .sslContext(clientTls()).build()) {
            node.start();
            node.send("global tls").get(10, TimeUnit.SECONDS);
            mock.assertIsSatisfied();
        }
        RawNode plain = raw();
        plain.write("plain\n00hello\n");
        assertThat(plain.closedWithin(5000)).as("plain text is refused: the gateway speaks TLS").isTrue();
    }
}
