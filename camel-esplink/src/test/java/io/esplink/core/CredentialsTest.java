package io.esplink.core;

import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.esplink.testing.LogCapture;
import io.esplink.testing.RawNode;
import io.esplink.testing.TestGateway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Node credentials that need no change to the node client: the ID line {@code kitchen:<secret>} proves the client
 * ID, which no other socket can then take, ever; a wrong or missing secret is refused before a byte is written.
 */
class CredentialsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private CredentialsFile credentials;
    private String kitchenSecret;

    @BeforeEach
    void kitchenHasCredentials() throws Exception {
        credentials = new CredentialsFile(dir.resolve("node-credentials")).load();
        kitchenSecret = credentials.add("kitchen", List.of());
    }

    private ServerConfig withCredentials() {
        return new ServerConfig().timeoutMs(500).credentials(credentials);
    }

    @Test
    void nodeWithItsSecret_connects_andIsItsClientIdEverywhere_theSecretNowhere() throws Exception {
        try (TestGateway gw = new TestGateway(withCredentials());
             LogCapture log = new LogCapture("io.esplink.core")) {
            EspLinkClient node = gw.node("kitchen:" + kitchenSecret);
            node.send("21.5").get(10, TimeUnit.SECONDS);
            InboundMessage m = gw.messages.poll(10, TimeUnit.SECONDS);
            assertThat(m.clientId()).isEqualTo("kitchen");
            assertThat(gw.server.node("kitchen").connected()).isTrue();
            assertThat(gw.server.nodes()).extracting(NodeView::clientId).containsExactly("kitchen");
            assertThat(log.events()).noneMatch(e -> e.getMessage().getFormattedMessage().contains(kitchenSecret));
        }
    }

    @Test
    void wrongOrMissingSecret_refusedBeforeAnyByte_countedByReason_secretNotLogged() throws Exception {
        try (TestGateway gw = new TestGateway(withCredentials());
             LogCapture log = new LogCapture("io.esplink.core")) {
            String guess = "AAAAAAAAAAAAAAAAAAAAAA";
            for (String idLine : List.of("kitchen", "kitchen:" + guess, "kitchen:")) {
                try (RawNode node = new RawNode(gw.port())) {
                    node.write(idLine + "\n00open the door\n");
                    // closed without a line written to it
                    assertThatThrownBy(() -> node.readLine(3000)).as(idLine).isInstanceOf(EOFException.class);
                }
            }
            await().atMost(WAIT).until(() -> gw.server.refusedConnections() == 3);
            assertThat(gw.server.refusedConnectionsByReason()).containsEntry("wrong secret", 3L);
            assertThat(gw.server.nodes()).isEmpty();
            assertThat(gw.messages).isEmpty();
            assertThat(log.events()).noneMatch(e -> e.getMessage().getFormattedMessage().contains(guess));
        }
    }

    @Test
    void hijack_whileTheNodeIsDown_aSocketSendingItsIdGetsNothing_andTheQueuedCommandWaitsForTheRealNode()
            throws Exception {
        try (TestGateway gw = new TestGateway(withCredentials())) {
            EspLinkClient real = gw.node("kitchen:" + kitchenSecret);
            await().atMost(WAIT).until(real::isUp);
            real.close();
            await().atMost(WAIT).until(() -> !gw.server.node("kitchen").connected());

            CompletableFuture<Void> command = gw.send("kitchen", "open door", true, true, 0);
            try (RawNode impostor = new RawNode(gw.port())) {
                impostor.write("kitchen\n00forged reading\n");
                assertThat(impostor.closedWithin(3000)).isTrue();
            }
            assertThat(command).as("nobody got it").isNotDone();
            assertThat(gw.messages).as("the forged reading was not taken").isEmpty();

            List<String> got = new CopyOnWriteArrayList<>();
            gw.node("kitchen:" + kitchenSecret, got::add);
            command.get(10, TimeUnit.SECONDS);
            // the node ACKs a message (L9) before its application has it
            await().atMost(WAIT).until(() -> !got.isEmpty());
            assertThat(got).containsExactly("open door");
        }
    }

    @Test
    void L17_withCredentials_theNodeItselfReplacesItsStaleLink_anImpostorCannotTakeIt() throws Exception {
        try (TestGateway gw = new TestGateway(withCredentials())) {
            // a half-open link of the node, kept alive, as after a reboot the gateway has not noticed yet
            try (RawNode stale = new RawNode(gw.port())) {
                stale.write("kitchen:" + kitchenSecret + "\n");
                await().atMost(WAIT).until(() -> gw.server.node("kitchen") != null
                                                  && gw.server.node("kitchen").connected());
                try (RawNode impostor = new RawNode(gw.port())) {
                    impostor.write("kitchen\n");
                    assertThat(impostor.closedWithin(3000)).isTrue();
                }
                EspLinkClient rebooted = gw.node("kitchen:" + kitchenSecret);
                rebooted.send("back").get(10, TimeUnit.SECONDS);
                assertThat(stale.closedWithin(3000)).as("the stale link was replaced").isTrue();
                assertThat(gw.server.node("kitchen").connectCount()).isEqualTo(2);
            }
        }
    }

    @Test
    void perNodeAllowList_refusesTheRightSecretFromAnotherAddress() throws Exception {
        String secret = credentials.add("cellar", Cidr.parseList("127.0.0.1/32"));
        try (TestGateway gw = new TestGateway(withCredentials())) {
            try (RawNode elsewhere = new RawNode(gw.port(), "127.0.0.2")) {
                elsewhere.write("cellar:" + secret + "\n");
                assertThat(elsewhere.closedWithin(3000)).isTrue();
            }
            assertThat(gw.server.refusedConnectionsByReason()).containsEntry("address not allowed", 1L);
            try (RawNode here = new RawNode(gw.port(), "127.0.0.1")) {
                here.write("cellar:" + secret + "\n00hi\n");
                assertThat(here.readNonKeepalive(5000)).isEqualTo("00");
            }
        }
    }

    @Test
    void globalAllowList_closesOtherAddressesBeforeAByteIsRead() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().allowedAddresses(Cidr.parseList("127.0.0.1")))) {
            try (RawNode outsider = new RawNode(gw.port(), "127.0.0.3")) {
                outsider.write("n1\n00x\n");
                assertThat(outsider.closedWithin(3000)).isTrue();
            }
            assertThat(gw.server.refusedConnectionsByReason()).containsEntry("address not allowed", 1L);
            assertThat(gw.messages).isEmpty();
        }
    }

    @Test
    void anonymousClients_letNodesWithoutCredentialsIn_butAProtectedIdStillNeedsItsSecret() throws Exception {
        try (TestGateway gw = new TestGateway(withCredentials().anonymousClients(true))) {
            try (RawNode guest = new RawNode(gw.port())) {
                guest.write("a4:cf:12:34:56:78\n00hello\n");
                assertThat(guest.readNonKeepalive(5000)).isEqualTo("00");
            }
            assertThat(gw.messages.poll(5, TimeUnit.SECONDS).clientId()).as("colons and all: it has no credential")
                    .isEqualTo("a4:cf:12:34:56:78");
            try (RawNode impostor = new RawNode(gw.port())) {
                impostor.write("kitchen\n");
                assertThat(impostor.closedWithin(3000)).isTrue();
            }
        }
    }

    @Test
    void credentialsAddedWhileTheGatewayRuns_takeEffectWithoutARestart_andSendingToANodeWithoutThemFails()
            throws Exception {
        try (TestGateway gw = new TestGateway(withCredentials())) {
            assertThatThrownBy(() -> gw.server.send("attic", "x", true, true, 0, null))
                    .isInstanceOf(EspLinkException.class).hasMessageContaining("no credentials");
            // the file's time stamp must change to be seen: make sure it does even on a coarse clock
            Files.setLastModifiedTime(credentials.path(),
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 10_000));
            String secret = new CredentialsFile(credentials.path()).load().add("attic", List.of());
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
                try (RawNode node = new RawNode(gw.port())) {
                    node.write("attic:" + secret + "\n00hi\n");
                    assertThat(node.readNonKeepalive(3000)).isEqualTo("00");
                }
            });
        }
    }

    @Test
    void secretsAreRandomAndStoredOnlyAsSaltedHashes() throws Exception {
        String a = Secrets.generate();
        String b = Secrets.generate();
        assertThat(a).hasSize(22).isNotEqualTo(b).doesNotContain(":");
        String file = Files.readString(credentials.path());
        assertThat(file).contains("kitchen hmac-sha256:").doesNotContain(kitchenSecret);
        assertThat(Secrets.hash(a)).isNotEqualTo(Secrets.hash(a)).as("salted");
        assertThat(Secrets.matches(Secrets.hash(a), a)).isTrue();
        assertThat(Secrets.matches(Secrets.hash(a), b)).isFalse();
    }
}
