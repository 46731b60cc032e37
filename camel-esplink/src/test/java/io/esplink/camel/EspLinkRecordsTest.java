package io.esplink.camel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON records routes store and forward: one line each, every field escaped, nothing of the payload lost. */
class EspLinkRecordsTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final DefaultCamelContext context = new DefaultCamelContext();

    private Exchange exchange(String body) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setBody(body);
        e.getMessage().setHeader(EspLinkConstants.CLIENT_ID, "kit\"chen");
        e.getMessage().setHeader(EspLinkConstants.CONNECT_COUNT, 3);
        e.getMessage().setHeader(EspLinkConstants.REMOTE_ADDRESS, "127.0.0.1:5000");
        e.getMessage().setHeader(EspLinkConstants.MESSAGE_TIMESTAMP, 1_795_000_000_123L);
        return e;
    }

    @Test
    void messageRecord_isOneLineOfJson_withThePayloadAsTheNodeSentIt() throws Exception {
        Exchange e = exchange("{\"t\":21.5, \"note\":\"a\\\\b\"}");
        e.getMessage().setHeader(EspLinkConstants.MESSAGE_ID, 17);

        String line = EspLinkRecords.record(e);

        assertThat(line).doesNotContain("\n");
        JsonNode n = mapper.readTree(line);
        assertThat(n.get("clientId").asText()).isEqualTo("kit\"chen");
        assertThat(n.get("messageId").asInt()).isEqualTo(17);
        assertThat(n.get("connectCount").asInt()).isEqualTo(3);
        assertThat(n.get("remoteAddress").asText()).isEqualTo("127.0.0.1:5000");
        assertThat(n.get("receivedAt").asText()).isEqualTo("2026-11-18T11:06:40.123Z");
        // JSON stays JSON, as the node wrote it
        assertThat(n.get("payload")).isEqualTo(mapper.readTree("{\"t\":21.5, \"note\":\"a\\\\b\"}"));
        assertThat(line).contains("\"payload\":{\"t\":21.5, \"note\":\"a\\\\b\"}");
    }

    @Test
    void messageRecord_keepsOtherPayloads_asStrings() throws Exception {
        for (String payload : new String[] {"ping", "21.5", "true", "\"quoted\"", "{\"t\":1} trailing", "{\"t\":",
                "[1,2", " ", "{\"a\":1}{\"b\":2}"}) {
            JsonNode n = mapper.readTree(EspLinkRecords.record(exchange(payload)));
            assertThat(n.get("payload").isTextual()).as(payload).isTrue();
            assertThat(n.get("payload").asText()).isEqualTo(payload);
        }
        JsonNode array = mapper.readTree(EspLinkRecords.record(exchange("[1,\"two\"]")));
        assertThat(array.get("payload").isArray()).isTrue();
    }

    @Test
    void eventRecord_saysOnlineOrNot_andWhy() throws Exception {
        Exchange e = exchange("timeout: nothing received for 2000 ms");
        e.getMessage().setHeader(EspLinkConstants.EVENT, "DISCONNECTED");
        e.getMessage().setHeader(EspLinkConstants.EVENT_REASON, "timeout: nothing received for 2000 ms");

        JsonNode n = mapper.readTree(EspLinkRecords.record(e));

        assertThat(n.get("event").asText()).isEqualTo("DISCONNECTED");
        assertThat(n.get("online").asBoolean()).isFalse();
        assertThat(n.get("reason").asText()).startsWith("timeout");
        assertThat(n.has("payload")).isFalse();
    }

    @Test
    void safeName_keepsPlainIds_andNeutralisesPathsAndWildcards() {
        assertThat(EspLinkRecords.safeName("kitchen-1.a_b")).isEqualTo("kitchen-1.a_b");
        assertThat(EspLinkRecords.safeName("../etc/passwd")).isEqualTo(".._etc_passwd");
        assertThat(EspLinkRecords.safeName("..")).isEqualTo("_..");
        assertThat(EspLinkRecords.safeName("a+b#c/d")).isEqualTo("a_b_c_d");
        assertThat(EspLinkRecords.safeName("")).isEqualTo("_");
    }
}
