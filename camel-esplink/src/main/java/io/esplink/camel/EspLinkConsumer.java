package io.esplink.camel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import io.esplink.core.AckMode;
import io.esplink.core.EspLinkListener;
import io.esplink.core.EspLinkServer;
import io.esplink.core.InboundMessage;
import io.esplink.core.MemoryBudget;
import io.esplink.core.Protocol;
import io.esplink.core.SessionEvent;
import io.esplink.core.WindowStore;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.health.HealthCheckRepository;
import org.apache.camel.spi.ExceptionHandler;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.LoggingExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exchange per message a node delivers (and per connect and disconnect with events=true), or per batch of them
 * (batching, batchEvents: each on a thread of its own, {@code esplink-batch} and {@code esplink-event-batch}). With
 * ackMode=processed the message is acknowledged only when the exchange completed without an exception.
 * <p>
 * Failed exchanges are logged once per change (see {@link FailureLog}) unless an exception handler of the user's
 * is configured, which is then given every one; the consumer's health check is DOWN while they fail.
 * <p>
 * Its MBean shows how its route fares and the gateway of its address (see {@link EspLinkGatewayMBean}).
 */
@ManagedResource(description = "esplink consumer: its route's failures and the gateway on its address")
public class EspLinkConsumer extends DefaultConsumer implements EspLinkListener, EspLinkGatewayMBean {

    private static final Logger LOG = LoggerFactory.getLogger(EspLinkConsumer.class);
    /** How long a stopping consumer spends at most on the events that still wait for their batch. */
    private static final long EVENT_DRAIN_MS = 5000;

    private final AckMode ackMode;
    private final boolean batching;
    private final boolean batchEvents;
    private EspLinkServer server;
    private volatile FailureLog failures;
    /**
     * The route's last exchange of node messages failed: an event that gets through does not end the failure (a node's
     * messages file may be broken and its events file not), a node message that gets through does.
     */
    private volatile boolean messagesFailing;
    private ScheduledExecutorService batchExecutor;
    private Batcher<InboundMessage> batcher;
    /** With batchEvents: events in batches, on a thread of their own (a message batch never waits for an event's). */
    private ScheduledExecutorService eventBatchExecutor;
    private Batcher<EspLinkEvent> eventBatcher;

    public EspLinkConsumer(EspLinkEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.ackMode = endpoint.getConfiguration().getAckMode();
        this.batching = endpoint.getConfiguration().isBatching();
        this.batchEvents = endpoint.getConfiguration().isBatchEvents();
    }

    @Override
    public EspLinkEndpoint getEndpoint() {
        return (EspLinkEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        failures = new FailureLog(LOG, "Route " + (getRouteId() != null ? getRouteId() : getEndpoint().getEndpointUri()));
        messagesFailing = false;
        // the health check is optional: only where Camel's health module is present
        HealthCheckRepository repository = HealthCheckHelper.getHealthCheckRepository(getEndpoint().getCamelContext(),
                "consumers", HealthCheckRepository.class);
        if (repository != null && getHealthCheck() == null) {
            EspLinkConsumerHealthCheck check = new EspLinkConsumerHealthCheck(this, getRouteId());
            check.setEnabled(getEndpoint().getComponent().isHealthCheckConsumerEnabled());
            setHealthCheck(check);
        }
        EspLinkEndpoint ep = getEndpoint();
        if (batching) {
            EspLinkConfiguration c = ep.getConfiguration();
            batchExecutor = ep.getCamelContext().getExecutorServiceManager()
                    .newSingleThreadScheduledExecutor(this, "esplink-batch");
            batcher = new Batcher<InboundMessage>(c.getMaxBatchSize(), c.getBatchingIntervalMs(), batchExecutor,
                    this::processBatch, m -> m.done(false))
                    .bytes(MemoryBudget.machine().batchBytes(), m -> MemoryBudget.weight(m.payload()));
        }
        if (batchEvents) {
            EspLinkConfiguration c = ep.getConfiguration();
            eventBatchExecutor = ep.getCamelContext().getExecutorServiceManager()
                    .newSingleThreadScheduledExecutor(this, "esplink-event-batch");
            eventBatcher = new Batcher<>(c.getMaxBatchSize(), c.getBatchingIntervalMs(), c.getEventSettleMs(),
                    c.getEventMaxDelayMs(), eventBatchExecutor,
                    this::processEventBatch, e -> {
                        // counted and said once by doStop
                    }).settleLimit(MemoryBudget.machine().settlingEvents());
        }
        server = ep.getComponent().acquire(ep);
        try {
            server.addListener(ep.getConfiguration().getClientId(), this);
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
            server.removeListener(ep.getConfiguration().getClientId(), this);
            ep.getComponent().release(ep);
            server = null;
        }
        if (batcher != null) {
            batcher.stop();
            batcher = null;
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(batchExecutor);
            batchExecutor = null;
        }
        if (eventBatcher != null) {
            // events wait for the settle time: those still waiting are stored now, not dropped (a few seconds at most)
            int lost = eventBatcher.stop(EVENT_DRAIN_MS);
            if (lost > 0) {
                LOG.warn("{} stopping: {} connection event(s) still waiting were not processed within {} ms; they are "
                         + "lost (events are not resent)", getRouteId(), lost, EVENT_DRAIN_MS);
            }
            eventBatcher = null;
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(eventBatchExecutor);
            eventBatchExecutor = null;
        }
        super.doStop();
    }

    @Override
    public AckMode ackMode() {
        return ackMode;
    }

    @Override
    public boolean wantsMessages() {
        return getEndpoint().getConfiguration().isMessages();
    }

    @Override
    public boolean wantsEvents() {
        return getEndpoint().getConfiguration().isEvents();
    }

    /** Every exchange reports its end, so each node's messages go through the route one at a time, in order. */
    @Override
    public boolean reportsDone() {
        return true;
    }

    @Override
    public WindowStore windowStore() {
        return getEndpoint().getConfiguration().getWindowStore();
    }

    /** The consumer runs a server (the node port): it hosts a service others connect to. */
    @Override
    public boolean isHostedService() {
        return true;
    }

    /** How this consumer's exchanges fail, if they do. */
    FailureLog failures() {
        return failures;
    }

    @Override
    public EspLinkEndpoint gatewayEndpoint() {
        return getEndpoint();
    }

    @ManagedAttribute(description = "When node messages are acknowledged: received or processed")
    public String getAckMode() {
        return ackMode.name().toLowerCase(java.util.Locale.ROOT);
    }

    @ManagedAttribute(description = "The node this consumer receives from (none: every node)")
    public String getClientId() {
        return getEndpoint().getConfiguration().getClientId();
    }

    @ManagedAttribute(description = "True if node messages come in batches (a List per exchange)")
    public boolean isBatching() {
        return batching;
    }

    @ManagedAttribute(description = "True if connection events come in batches (a List of EspLinkEvent per exchange)")
    public boolean isBatchEvents() {
        return batchEvents;
    }

    @ManagedAttribute(description = "True while the route fails on node messages")
    public boolean isRouteFailing() {
        FailureLog f = failures;
        return f != null && f.isFailing();
    }

    @ManagedAttribute(description = "Failures of the route on node messages since it last succeeded")
    public long getRouteFailures() {
        FailureLog f = failures;
        return f == null ? 0 : f.currentFailures();
    }

    @ManagedAttribute(description = "Failures of the route on node messages since the consumer started")
    public long getRouteFailuresTotal() {
        FailureLog f = failures;
        return f == null ? 0 : f.totalFailures();
    }

    @ManagedAttribute(description = "The cause of the route's last failure while it fails")
    public String getLastRouteFailure() {
        FailureLog f = failures;
        return f == null || !f.isFailing() ? null : f.lastCause();
    }

    @Override
    public void onNotDelivered(InboundMessage msg, Exception cause) {
        failed(true, subject(msg), null, new IllegalStateException("cannot tell whether " + windowStore() + " holds it "
                                                             + "already", cause),
                "The message is left unacknowledged: the node resends it");
    }

    /** A batching consumer queues the node's next message at once: the batches keep the order. */
    @Override
    public boolean keepsOrder() {
        return batching;
    }

    /** One exchange for a batch of node messages; each is told the outcome when it completes. */
    private void processBatch(List<InboundMessage> batch, Runnable completed) {
        Exchange exchange = createExchange(false);
        List<EspLinkMessage> body = new ArrayList<>(batch.size());
        for (InboundMessage m : batch) {
            body.add(new EspLinkMessage(m.clientId(), m.messageId(), m.payload(), m.receivedAt(), m.connectCount(),
                    m.remoteAddress()));
        }
        exchange.getIn().setBody(body);
        exchange.getIn().setHeader(EspLinkConstants.BATCH_SIZE, body.size());
        processBatchExchange(exchange, true, "a batch of " + batch.size() + " message(s)", ackMode == AckMode.PROCESSED
                ? "They are left unacknowledged: the nodes resend them"
                : "They were acknowledged on receipt (ackMode=received) and are lost",
                ok -> batch.forEach(m -> m.done(ok)), completed);
    }

    /**
     * Sends a batch's exchange through the route: {@code outcome} is told once whether it succeeded (false too when
     * the route could not take it), a failure is logged as {@code what} with {@code lost} said of its items, and
     * {@code completed} runs last, so that the batcher hands over the next batch.
     */
    private void processBatchExchange(Exchange exchange, boolean messages, String what, String lost,
                                      java.util.function.Consumer<Boolean> outcome, Runnable completed) {
        try {
            getAsyncProcessor().process(exchange, doneSync -> {
                Exception failure = exchange.getException();
                boolean ok = failure == null && !exchange.isRollbackOnly();
                outcome.accept(ok);
                if (ok) {
                    succeeded(messages);
                } else {
                    failed(messages, what, exchange, failure, lost);
                }
                releaseExchange(exchange, false);
                completed.run();
            });
        } catch (RuntimeException e) {
            outcome.accept(false);
            completed.run();
            throw e;
        }
    }

    @Override
    public void onMessage(InboundMessage msg) {
        if (batcher != null) {
            batcher.add(msg);
            return;
        }
        Exchange exchange = newExchange(msg.payload(), msg.clientId(), msg.remoteAddress(), msg.connectCount(),
                msg.receivedAt());
        exchange.getIn().setHeader(EspLinkConstants.MESSAGE_ID, msg.messageId());
        getAsyncProcessor().process(exchange, doneSync -> {
            Exception failure = exchange.getException();
            boolean ok = failure == null && !exchange.isRollbackOnly();
            msg.done(ok);
            if (ok) {
                succeeded(true);
            } else {
                failed(true, subject(msg), exchange, failure, ackMode == AckMode.PROCESSED
                        ? "The message is left unacknowledged: the node resends it"
                        : "The message was acknowledged on receipt (ackMode=received) and is lost");
            }
            releaseExchange(exchange, false);
        });
    }

    @Override
    public void onEvent(SessionEvent event) {
        Batcher<EspLinkEvent> events = eventBatcher;
        if (events != null) {
            events.add(new EspLinkEvent(event.clientId(), event.type().name(), event.reason(), event.remoteAddress(),
                    event.connectCount(), event.timestamp()));
            return;
        }
        Exchange exchange = newExchange(event.reason(), event.clientId(), event.remoteAddress(),
                event.connectCount(), event.timestamp());
        exchange.getIn().setHeader(EspLinkConstants.EVENT, event.type().name());
        exchange.getIn().setHeader(EspLinkConstants.EVENT_REASON, event.reason());
        getAsyncProcessor().process(exchange, doneSync -> {
            if (exchange.getException() != null || exchange.isRollbackOnly()) {
                failed(false, "the " + event.type() + " event of node '" + LogText.escape(event.clientId()) + "'",
                        exchange, exchange.getException(), "The event is lost (events are not resent)");
            } else {
                succeeded(false);
            }
            releaseExchange(exchange, false);
        });
    }

    /**
     * One exchange for a batch of connection events (batchEvents). Events are acknowledged to no one: a batch whose
     * exchange failed is lost, as a single event is.
     */
    private void processEventBatch(List<EspLinkEvent> batch, Runnable completed) {
        Exchange exchange = createExchange(false);
        exchange.getIn().setBody(batch);
        exchange.getIn().setHeader(EspLinkConstants.BATCH_SIZE, batch.size());
        exchange.getIn().setHeader(EspLinkConstants.EVENT_BATCH, batch.size());
        processBatchExchange(exchange, false, "a batch of " + batch.size() + " event(s)",
                "They are lost (events are not resent)", ok -> { }, completed);
    }

    private static String subject(InboundMessage msg) {
        return "message " + Protocol.hex(msg.messageId()) + " of node '" + LogText.escape(msg.clientId()) + "'";
    }

    /** An exchange got through: the route works again, unless an event did while node messages still fail. */
    private void succeeded(boolean messages) {
        if (messages) {
            messagesFailing = false;
        } else if (messagesFailing) {
            return;
        }
        failures.succeeded();
    }

    private void failed(boolean messages, String subject, Exchange exchange, Throwable failure, String consequence) {
        if (!isRunAllowed()) {
            // stopping: what is in flight is not the route's failure (a message is resent, an event is lost)
            LOG.debug("{} stopping: {} not processed ({})", getRouteId(), subject, failure == null ? "" : failure);
            return;
        }
        ExceptionHandler handler = getExceptionHandler();
        if (handler != null && !(handler instanceof LoggingExceptionHandler) && failure != null) {
            handler.handleException(consequence, exchange, failure);
        }
        if (messages) {
            messagesFailing = true;
        }
        failures.failed(subject, failure, consequence);
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
