package io.esplink.gateway;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.esplink.testing.RawNode;
import io.esplink.testing.RecordingNode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On its defaults the gateway admits only nodes with credentials: {@code credentials add} prints a node's MY_ID
 * ({@code clientId:secret}), the node connects with it, unchanged client and all, and is its client ID everywhere;
 * a node without its secret is refused, and removing credentials shuts it out.
 */
class NodeCredentialsTest extends GatewayTestSupport {

    private String cli(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cmd = CredentialsCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(new StringWriter()));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = dataDir.toString();
        assertThat(cmd.execute(all)).as(String.join(" ", args)).isZero();
        return out.toString().trim();
    }

    @Test
    void onItsDefaults_onlyNodesWithCredentialsGetIn_andTheyAreTheirClientIdEverywhere() throws Exception {
        String line = cli("add", "kitchen");
        assertThat(line).startsWith("kitchen:").hasSize("kitchen:".length() + 22);
        assertThat(Files.readString(dataDir.resolve("node-credentials"))).doesNotContain(line.substring(8));
        startGateway(Map.of("esplink.anonymous-nodes", "false"));

        RecordingNode kitchen = RecordingNode.up(HOST, nodePort, line, TIMEOUT_MS, WAIT);
        nodes.add(kitchen);
        kitchen.client.send("21.5").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> !rows("SELECT client_id, payload FROM esplink_message").isEmpty());
        assertThat(rows("SELECT client_id, payload FROM esplink_message")).containsExactly(List.of("kitchen", "21.5"));
        assertThat(Files.readAllLines(dataDir.resolve("messages/kitchen.jsonl"))).hasSize(1);

        for (String idLine : List.of("kitchen", "cellar")) {
            try (RawNode stranger = new RawNode(nodePort)) {
                stranger.write(idLine + "\n00forged\n");
                assertThat(stranger.closedWithin(5000)).as(idLine).isTrue();
            }
        }
        assertThat(cli("list")).isEqualTo("kitchen");
        cli("remove", "kitchen");
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            try (RawNode again = new RawNode(nodePort)) {
                again.write(line + "\n");
                assertThat(again.closedWithin(3000)).isTrue();
            }
        });
    }
}
