package io.esplink.gateway;

import java.util.List;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.ParamDefinition;
import org.apache.camel.model.rest.ResponseMessageDefinition;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.model.rest.VerbDefinition;

/**
 * The API's OpenAPI document ({@value GatewayApiRoutes#OPENAPI}, made by camel-openapi-java from the REST DSL): the
 * parameters and answers of each endpoint of {@link GatewayApiRoutes}, and {@code POST /nodes/{id}/messages}, which
 * {@link HttpApiHandlers} serves on the Vert.x router outside the REST DSL. That one is added to the model's REST
 * definitions only (no route, no HTTP consumer: a second consumer of the path would compete with the handler), so
 * that the document describes it.
 */
final class OpenApiDocs {

    private static final String ERROR = "JSON {\"status\":N,\"error\":\"...\"}";

    private OpenApiDocs() {
    }

    /** Call after the REST DSL of {@code routes} is declared. */
    static void describe(RouteBuilder routes) throws Exception {
        // in the model only (no route, no HTTP consumer): camel-openapi-java reads the model's REST definitions
        RestDefinition post = new RestDefinition();
        post.setId("esplink-api-send-doc");
        post.setPath("/nodes");
        post.post("/{id}/messages").consumes("text/plain,application/json").produces(GatewayApiRoutes.JSON)
                .to(HttpApiHandlers.SEND_ROUTE);
        describeVerbs(post);
        routes.getContext().getCamelContextExtension().getContextPlugin(Model.class)
                .addRestDefinitions(List.of(post), false);
        for (RestDefinition rest : routes.getRestCollection().getRests()) {
            describeVerbs(rest);
        }
    }

    private static void describeVerbs(RestDefinition rest) {
        for (VerbDefinition verb : rest.getVerbs()) {
            String path = rest.getPath() + (verb.getPath() == null ? "" : verb.getPath());
            describe(verb.asVerb().toUpperCase(java.util.Locale.ROOT) + " " + path, verb);
        }
    }

    private static void describe(String endpoint, VerbDefinition verb) {
        switch (endpoint) {
            case "GET /nodes" -> {
                verb.setDescription("The known nodes (connected, seen before, stored or expected) in the order of their"
                                    + " client IDs, a page at a time. X-Total-Count gives their number; while there "
                                    + "are more, Link: <...>; rel=\"next\" gives the next page.");
                param(verb, "limit", RestParamType.query, "integer", "At most this many nodes (1-5000)", "500");
                param(verb, "after", RestParamType.query, "string", "Only nodes whose client ID comes after this one",
                        null);
                answer(verb, 200, "A JSON array of nodes: clientId, connected, expected, since, counters...");
                answer(verb, 400, "A bad limit: " + ERROR);
                auth(verb);
            }
            case "GET /nodes/{id}/messages" -> {
                verb.setDescription("The node's latest stored messages, newest first (receivedAt, messageId, payload).");
                param(verb, "id", RestParamType.path, "string", "The node's client ID", null);
                param(verb, "limit", RestParamType.query, "integer", "At most this many messages (1-1000)", "50");
                answer(verb, 200, "A JSON array of messages");
                answer(verb, 404, "A node never seen: " + ERROR);
                answer(verb, 503, "The database cannot be read: " + ERROR);
                auth(verb);
            }
            case "POST /nodes/{id}/messages" -> {
                verb.setDescription("Sends the body to the node as one line and answers once the node has acknowledged"
                                    + " it. text/plain is sent as it is (one trailing newline dropped); application/"
                                    + "json is validated and sent compact. Served by the gateway's own handler, which "
                                    + "waits for the node without holding a thread.");
                param(verb, "id", RestParamType.path, "string", "The node's client ID", null);
                param(verb, "body", RestParamType.body, "string", "The line, or a JSON value (at most 64 KiB)", null);
                answer(verb, 200, "The node ACKed it: {\"clientId\":\"...\",\"delivered\":true}");
                answer(verb, 400, "An empty body, a newline in it, or invalid JSON: " + ERROR);
                answer(verb, 404, "A node never seen: " + ERROR);
                answer(verb, 413, "A body over 64 KiB: " + ERROR);
                answer(verb, 415, "A form-encoded body, or an unknown charset: " + ERROR);
                answer(verb, 503, "Too many POSTs waiting (esplink.http.max-waiting), with Retry-After: " + ERROR);
                answer(verb, 504, "The node did not ACK within esplink.http.send-timeout: " + ERROR);
                auth(verb);
            }
            case "GET /health" -> {
                verb.setDescription("Open, no token needed (without one, each check is only UP or DOWN). The node "
                                    + "listener, the routes and every readiness check (stores, consumers, Camel's).");
                answer(verb, 200, "{\"status\":\"UP\",...}");
                answer(verb, 503, "{\"status\":\"DOWN\",...} with the same details");
            }
            default -> {
                // a verb of someone else's: left as it is
            }
        }
    }

    private static void auth(VerbDefinition verb) {
        answer(verb, 401, "No token, or not this gateway's (Authorization: Bearer <token>): " + ERROR);
    }

    private static void param(VerbDefinition verb, String name, RestParamType type, String dataType,
                              String description, String defaultValue) {
        ParamDefinition p = new ParamDefinition(verb);
        p.setName(name);
        p.setType(type);
        p.setDataType(dataType);
        p.setDescription(description);
        p.setRequired(type == RestParamType.path || type == RestParamType.body);
        if (defaultValue != null) {
            p.setDefaultValue(defaultValue);
        }
        verb.getParams().add(p);
    }

    private static void answer(VerbDefinition verb, int code, String message) {
        ResponseMessageDefinition r = new ResponseMessageDefinition(verb);
        r.setCode(String.valueOf(code));
        r.setMessage(message);
        verb.getResponseMsgs().add(r);
    }
}
