package io.esplink.gateway;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import io.esplink.testing.RecordingNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /nodes in pages: limit, after (keyset by client ID), X-Total-Count and Link rel="next". */
class NodesPagingTest extends GatewayTestSupport {

    private static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");

    private static String ids(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> String.format("%s%04d", prefix, i))
                .collect(Collectors.joining(","));
    }

    /** The path of the next page, or null. */
    private static String next(HttpResponse<String> r) {
        return r.headers().firstValue("Link").map(l -> {
            Matcher m = NEXT.matcher(l);
            assertThat(m.matches()).as(l).isTrue();
            return m.group(1);
        }).orElse(null);
    }

    private List<String> clientIds(HttpResponse<String> r) throws Exception {
        List<String> out = new ArrayList<>();
        json(r).forEach(n -> out.add(n.get("clientId").asText()));
        return out;
    }

    @Test
    void byDefault_500APage_theLinkHeaderLeadsThroughEveryNode_once_inOrder() throws Exception {
        startGateway(Map.of("esplink.expected", ids("n", 1200)));
        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String path = "/nodes";
        while (path != null) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Total-Count")).hasValue("1200");
            List<String> page = clientIds(r);
            sizes.add(page.size());
            seen.addAll(page);
            path = next(r);
        }
        assertThat(sizes).containsExactly(500, 500, 200);
        assertThat(seen).hasSize(1200).doesNotHaveDuplicates().isSorted();
    }

    @Test
    void limitAndAfter_keysetPaging_staysRightWhileNodesComeAndGo() throws Exception {
        startGateway(Map.of("esplink.expected", ids("m", 25)));
        RecordingNode stored = node("m0003x"); // live and stored, between expected ones
        stored.client.send("reading").get(10, TimeUnit.SECONDS);

        HttpResponse<String> first = get("/nodes?limit=10");
        assertThat(first.headers().firstValue("X-Total-Count")).hasValue("26");
        assertThat(clientIds(first)).hasSize(10).startsWith("m0000", "m0001", "m0002", "m0003", "m0003x")
                .endsWith("m0008");
        assertThat(next(first)).isEqualTo("/nodes?limit=10&after=m0008");
        JsonNode live = json(first).get(4);
        assertThat(live.get("connected").asBoolean()).isTrue();
        assertThat(live.get("storedMessages").asLong()).isEqualTo(1);

        // a node before the cursor and one after it appear between two pages: none is skipped or repeated
        node("a-newcomer");
        node("m0015-newcomer");
        HttpResponse<String> second = get(next(first));
        assertThat(clientIds(second)).containsExactly("m0009", "m0010", "m0011", "m0012", "m0013", "m0014", "m0015",
                "m0015-newcomer", "m0016", "m0017");
        assertThat(second.headers().firstValue("X-Total-Count")).hasValue("28");
        HttpResponse<String> third = get(next(second));
        assertThat(clientIds(third)).containsExactly("m0018", "m0019", "m0020", "m0021", "m0022", "m0023", "m0024");
        assertThat(third.headers().firstValue("Link")).as("the last page").isEmpty();

        // a cursor that is no node's ID still works; IDs are URL-encoded in the Link
        node("m0019 & more");
        HttpResponse<String> odd = get("/nodes?limit=1&after=m0019-");
        assertThat(clientIds(odd)).containsExactly("m0020");
        HttpResponse<String> encoded = get("/nodes?limit=1&after=m0019");
        assertThat(clientIds(encoded)).containsExactly("m0019 & more");
        assertThat(next(encoded)).isEqualTo("/nodes?limit=1&after=m0019%20%26%20more");
        assertThat(clientIds(get(next(encoded)))).containsExactly("m0020");
    }

    @Test
    void badLimits_answer400() throws Exception {
        startGateway();
        for (String bad : List.of("0", "5001", "-1", "many")) {
            HttpResponse<String> r = get("/nodes?limit=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(json(r).get("error").asText()).contains("limit");
        }
        assertThat(get("/nodes?limit=5000").statusCode()).isEqualTo(200);
    }
}
