package io.esplink.camel;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.core.EspLinkServer;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * Sends the body to a node as one message line. With qos the exchange completes when the node ACKed it; no thread
 * waits meanwhile.
 */
public class EspLinkProducer extends DefaultAsyncProducer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EspLinkServer server;

    public EspLinkProducer(EspLinkEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public EspLinkEndpoint getEndpoint() {
        return (EspLinkEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        server = getEndpoint().getComponent().acquire(getEndpoint());
    }

    @Override
    protected void doStop() throws Exception {
        if (server != null) {
            getEndpoint().getComponent().release(getEndpoint());
            server = null;
        }
        super.doStop();
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        EspLinkConfiguration ep = getEndpoint().getConfiguration();
        try {
            String target = target(exchange);
            String payload = payload(exchange.getMessage());
            if (EspLinkServer.BROADCAST.equals(target)) {
                List<String> recipients = server.connectedClientIds();
                exchange.getMessage().setHeader(EspLinkConstants.RECIPIENTS, recipients);
                server.sendToAll(recipients, payload, ep.isQos(), ep.isWait(), ep.getSendTimeout(),
                        failure -> complete(exchange, failure, callback));
            } else {
                server.send(target, payload, ep.isQos(), ep.isWait(), ep.getSendTimeout(),
                        failure -> complete(exchange, failure, callback));
            }
            return false;
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
    }

    private static void complete(Exchange exchange, Throwable failure, AsyncCallback callback) {
        if (failure != null) {
            exchange.setException(failure);
        }
        callback.done(false);
    }

    /** The header wins, unless it is the unchanged client ID an esplink consumer put there (the sender). */
    private String target(Exchange exchange) {
        String configured = getEndpoint().getConfiguration().getClientId();
        String header = exchange.getMessage().getHeader(EspLinkConstants.CLIENT_ID, String.class);
        if (header != null && configured != null
                && header.equals(exchange.getProperty(EspLinkConstants.SOURCE_CLIENT_ID_PROPERTY, String.class))) {
            return configured;
        }
        String target = header != null ? header : configured;
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("esplink: no node to send to: set the clientId option of "
                                               + getEndpoint().getEndpointUri() + " or the header "
                                               + EspLinkConstants.CLIENT_ID);
        }
        return target;
    }

    private static String payload(Message message) throws InvalidPayloadException, JsonProcessingException {
        Object body = message.getBody();
        String payload;
        if (body instanceof Map || body instanceof Collection || body instanceof JsonNode) {
            payload = JSON.writeValueAsString(body);
        } else if (body == null) {
            throw new IllegalArgumentException("esplink: the body is empty: a message to a node needs a payload "
                                               + "(protocol rule L5)");
        } else {
            payload = message.getMandatoryBody(String.class);
        }
        if (payload.isEmpty()) {
            throw new IllegalArgumentException("esplink: the body is an empty string: a message to a node needs a "
                                               + "payload (protocol rule L5)");
        }
        if (payload.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("esplink: the body contains a newline, which would end the line "
                                               + "early (protocol rule L2): remove or escape it before sending");
        }
        return payload;
    }
}
