package io.esplink.camel;

import io.esplink.core.AckMode;
import io.esplink.core.EspLinkListener;
import io.esplink.core.EspLinkServer;
import io.esplink.core.InboundMessage;
import io.esplink.core.SessionEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;

/**
 * One exchange per message a node delivers (and per connect and disconnect with events=true). With
 * ackMode=processed the message is acknowledged only when the exchange completed without an exception.
 */
public class EspLinkConsumer extends DefaultConsumer implements EspLinkListener {

    private final AckMode ackMode;
    private EspLinkServer server;

    public EspLinkConsumer(EspLinkEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.ackMode = endpoint.ackModeValue();
    }

    @Override
    public EspLinkEndpoint getEndpoint() {
        return (EspLinkEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        EspLinkEndpoint ep = getEndpoint();
        server = ep.getComponent().acquire(ep);
        try {
            server.addListener(ep.getClientId(), this);
        } catch (RuntimeException e) {
            ep.getComponent().release(ep);
            server = null;
            throw e;
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (server != null) {
            EspLinkEndpoint ep = getEndpoint();
            server.removeListener(ep.getClientId(), this);
            ep.getComponent().release(ep);
            server = null;
        }
        super.doStop();
    }

    @Override
    public AckMode ackMode() {
        return ackMode;
    }

    @Override
    public boolean wantsMessages() {
        return getEndpoint().isMessages();
    }

    @Override
    public boolean wantsEvents() {
        return getEndpoint().isEvents();
    }

    @Override
    public void onMessage(InboundMessage msg) {
        Exchange exchange = newExchange(msg.payload(), msg.clientId(), msg.remoteAddress(), msg.connectCount(),
                msg.receivedAt());
        exchange.getIn().setHeader(EspLinkConstants.MESSAGE_ID, msg.messageId());
        getAsyncProcessor().process(exchange, doneSync -> {
            Exception failure = exchange.getException();
            msg.done(failure == null && !exchange.isRollbackOnly());
            if (failure != null) {
                getExceptionHandler().handleException(
                        ackMode == AckMode.PROCESSED
                                ? "Message not acknowledged: the node will resend it"
                                : "Message acknowledged to the node but not processed",
                        exchange, failure);
            }
            releaseExchange(exchange, false);
        });
    }

    @Override
    public void onEvent(SessionEvent event) {
        Exchange exchange = newExchange(event.reason(), event.clientId(), event.remoteAddress(),
                event.connectCount(), event.timestamp());
        exchange.getIn().setHeader(EspLinkConstants.EVENT, event.type().name());
        exchange.getIn().setHeader(EspLinkConstants.EVENT_REASON, event.reason());
        getAsyncProcessor().process(exchange, doneSync -> {
            if (exchange.getException() != null) {
                getExceptionHandler().handleException("Error processing a connection event", exchange,
                        exchange.getException());
            }
            releaseExchange(exchange, false);
        });
    }

    /** An exchange with the headers every exchange of this consumer carries. */
    private Exchange newExchange(String body, String clientId, String remoteAddress, int connectCount,
                                 long timestamp) {
        Exchange exchange = createExchange(false);
        Message in = exchange.getIn();
        in.setBody(body);
        in.setHeader(EspLinkConstants.CLIENT_ID, clientId);
        in.setHeader(EspLinkConstants.REMOTE_ADDRESS, remoteAddress);
        in.setHeader(EspLinkConstants.CONNECT_COUNT, connectCount);
        in.setHeader(EspLinkConstants.MESSAGE_TIMESTAMP, timestamp);
        exchange.setProperty(EspLinkConstants.SOURCE_CLIENT_ID_PROPERTY, clientId);
        return exchange;
    }
}
