package io.esplink.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;

import io.esplink.cluster.PresenceTable.Presence;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.DefaultMessage;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command router: every gateway runs one, and they share the command topic's partitions as one consumer group
 * ({@code esplink-command-router}), so each command has exactly one router at a time. A router owns each command it
 * reads until the command is finished, and commits the command topic only up to its first unfinished command.
 * A command is finished when its result is on the results topic:
 * <ul>
 * <li><b>delivered</b>, written by the gateway that holds the node once the node ACKed the line;</li>
 * <li><b>expired</b>, written by the router when the command's time to live ran out first (header
 * {@code esplink-ttl-ms}, else {@code defaultTtl}, from the record's timestamp; a command that was handed to a gateway
 * gets {@code grace} more, the longest a delivery started in time can take);</li>
 * <li><b>unknown-node</b>, written by the router for a client ID the presence table has never seen;</li>
 * <li><b>invalid</b>, for a command no node can receive (an empty value, or one with a newline).</li>
 * </ul>
 * Meanwhile it hands the command to the gateway the presence table has the node at, on that gateway's command topic
 * ({@code <prefix>.commands.<gatewayId>}), again whenever the node shows up at a gateway (another, or the same after
 * a reconnect), and again every {@code retryInterval} while no result comes. A node that is offline keeps its commands
 * waiting in the router (and uncommitted in Kafka) until it connects somewhere or they expire. Each node's commands
 * are handed on in the order of the command topic, in one batch per node.
 * <p>
 * State is in memory and rebuilt from Kafka: a router that starts, or gets partitions in a rebalance, reads from the
 * committed offset and skips the commands the results table already has an outcome for.
 */
public class CommandRouter implements PollHook {

    private static final Logger LOG = LoggerFactory.getLogger(CommandRouter.class);

    private PresenceTable presence;
    private CommandResults results;
    private String gatewayId;
    private String topicPrefix = "esplink";
    private long defaultTtl = 60000;
    private long retryInterval = 10000;
    private long grace = 10000;
    private String forwardUri = "direct:esplink-command-forward";
    private String resultUri = "direct:esplink-command-result";

    private volatile CamelContext camelContext;
    private volatile ProducerTemplate template;
    /** Sends forwards and results one at a time, in the order planned: each node's commands stay in order. */
    private volatile ExecutorService sender;
    private final Map<String, List<Pending>> byNode = new HashMap<>();
    private final OffsetTracker offsets = new OffsetTracker();

    private static final class Pending {
        final String id;
        final TopicPartition tp;
        final long offset;
        final String clientId;
        final String payload;
        final String correlationId;
        final long expiresAt;
        final boolean invalid;
        String forwardedTo;
        long forwardedSince;
        long forwardedAt;
        boolean publishing;

        Pending(String id, TopicPartition tp, long offset, String clientId, String payload, String correlationId,
                long expiresAt) {
            this.id = id;
            this.tp = tp;
            this.offset = offset;
            this.clientId = clientId;
            this.payload = payload;
            this.correlationId = correlationId;
            this.expiresAt = expiresAt;
            this.invalid = payload == null || payload.isEmpty() || payload.indexOf('\n') >= 0;
        }
    }

    /** Route step for each record of the command topic. */
    public void onCommand(Exchange exchange) {
        init(exchange.getContext());
        Message in = exchange.getMessage();
        String topic = in.getHeader(KafkaConstants.TOPIC, String.class);
        int partition = in.getHeader(KafkaConstants.PARTITION, Integer.class);
        long offset = in.getHeader(KafkaConstants.OFFSET, Long.class);
        Long timestamp = in.getHeader(KafkaConstants.TIMESTAMP, Long.class);
        Headers headers = in.getHeader(KafkaConstants.HEADERS, Headers.class);
        String clientId = in.getHeader(KafkaConstants.KEY, String.class);
        TopicPartition tp = new TopicPartition(topic, partition);
        String id = topic + "-" + partition + "-" + offset;
        offsets.begin(tp, offset);
        if (clientId == null || clientId.isEmpty()) {
            LOG.warn("Dropped command {}: it has no key (a command's key is the client ID of its node)", id);
            offsets.done(tp, offset);
            return;
        }
        long ttl = defaultTtl;
        String ttlHeader = EspLinkKafkaHeaders.get(headers, EspLinkKafkaHeaders.TTL);
        if (ttlHeader != null) {
            try {
                ttl = Long.parseLong(ttlHeader.trim());
            } catch (NumberFormatException e) {
                LOG.warn("Command {}: header {} '{}' is not a number of ms; {} ms used", id, EspLinkKafkaHeaders.TTL,
                        ttlHeader, defaultTtl);
            }
        }
        String correlationId = EspLinkKafkaHeaders.get(headers, EspLinkKafkaHeaders.CORRELATION_ID);
        Pending p = new Pending(id, tp, offset, clientId, in.getBody(String.class),
                correlationId != null ? correlationId : id,
                (timestamp != null && timestamp > 0 ? timestamp : System.currentTimeMillis()) + ttl);
        synchronized (this) {
            List<Pending> list = byNode.computeIfAbsent(clientId, k -> new ArrayList<>());
            if (list.stream().anyMatch(q -> q.id.equals(id))) {
                return;
            }
            list.add(p);
        }
        LOG.debug("Command {} for node '{}' (expires in {} ms)", id, clientId, p.expiresAt - System.currentTimeMillis());
        evaluate(clientId);
    }

    /** Route step of a timer: expiries, retries, and whatever waited for the tables. */
    public void tick(Exchange exchange) {
        init(exchange.getContext());
        evaluateAll();
    }

    /** Commands this router holds unfinished. */
    public synchronized int pending() {
        return byNode.values().stream().mapToInt(List::size).sum();
    }

    private void init(CamelContext context) {
        if (template == null) {
            synchronized (this) {
                if (template == null) {
                    camelContext = context;
                    presence.addListener(clientId -> {
                        if (clientId == null) {
                            evaluateAll();
                        } else {
                            evaluate(clientId);
                        }
                    });
                    results.addListener((clientId, commandId) -> {
                        if (clientId == null) {
                            evaluateAll();
                        } else {
                            evaluate(clientId);
                        }
                    });
                    sender = context.getExecutorServiceManager().newSingleThreadExecutor(this,
                            "esplink-command-router");
                    template = context.createProducerTemplate();
                }
            }
        }
    }

    /** Stops the router's producer template (destroy method). */
    public void stop() {
        ExecutorService s = sender;
        if (s != null) {
            camelContext.getExecutorServiceManager().shutdown(s);
        }
        ProducerTemplate t = template;
        if (t != null) {
            try {
                t.stop();
            } catch (Exception e) {
                LOG.debug("Stopping the router's producer template", e);
            }
        }
    }

    private void evaluateAll() {
        if (template == null) {
            return;
        }
        List<String> nodes;
        synchronized (this) {
            nodes = new ArrayList<>(byNode.keySet());
        }
        nodes.forEach(this::evaluate);
    }

    private void evaluate(String clientId) {
        if (template == null) {
            return;
        }
        List<Runnable> actions = new ArrayList<>();
        synchronized (this) {
            plan(clientId, System.currentTimeMillis(), actions);
            for (Runnable action : actions) {
                sender.execute(action); // queued under the lock: in the order planned
            }
        }
    }

    /** Decides what to do with the node's commands; the sends run on the sender thread. */
    private void plan(String clientId, long now, List<Runnable> actions) {
        List<Pending> list = byNode.get(clientId);
        if (list == null) {
            return;
        }
        boolean ready = presence.isReady() && results.isReady();
        Presence where = presence.lookup(clientId);
        List<Pending> forward = new ArrayList<>();
        for (Iterator<Pending> it = list.iterator(); it.hasNext();) {
            Pending p = it.next();
            if (p.publishing) {
                continue;
            }
            String outcome = results.resultOf(p.id);
            if (outcome != null) {
                LOG.debug("Command {} for node '{}' finished: {}", p.id, clientId, outcome);
                it.remove();
                offsets.done(p.tp, p.offset);
            } else if (p.invalid) {
                publish(p, CommandResults.INVALID, actions);
            } else if (now >= p.expiresAt + (p.forwardedTo != null ? grace : 0)) {
                publish(p, CommandResults.EXPIRED, actions);
            } else if (!ready) {
                continue;
            } else if (where == null) {
                publish(p, CommandResults.UNKNOWN_NODE, actions);
            } else if (where.connected() && now < p.expiresAt) {
                boolean moved = !where.gatewayId().equals(p.forwardedTo) || where.since() != p.forwardedSince;
                if (moved || now - p.forwardedAt >= retryInterval) {
                    p.forwardedTo = where.gatewayId();
                    p.forwardedSince = where.since();
                    p.forwardedAt = now;
                    forward.add(p);
                }
            }
        }
        if (list.isEmpty()) {
            byNode.remove(clientId);
        }
        if (!forward.isEmpty()) {
            String target = where.gatewayId();
            actions.add(() -> forward(target, clientId, forward));
        }
    }

    private void publish(Pending p, String result, List<Runnable> actions) {
        p.publishing = true;
        actions.add(() -> {
            Exchange ex = new DefaultExchange(camelContext);
            ex.getMessage().setBody(List.of(
                    CommandResults.message(camelContext, p.clientId, p.id, p.correlationId, result, gatewayId)));
            Throwable failure;
            try {
                failure = template.send(resultUri, ex).getException();
            } catch (RuntimeException e) {
                failure = e;
            }
            synchronized (this) {
                if (failure != null) {
                    p.publishing = false; // the next tick tries again
                    LOG.warn("Could not publish the result '{}' of command {} (tried again): {}", result, p.id,
                            failure.toString());
                    return;
                }
                List<Pending> list = byNode.get(p.clientId);
                if (list != null) {
                    list.remove(p);
                    if (list.isEmpty()) {
                        byNode.remove(p.clientId);
                    }
                }
                offsets.done(p.tp, p.offset);
            }
            LOG.debug("Command {} for node '{}': {}", p.id, p.clientId, result);
        });
    }

    private void forward(String target, String clientId, List<Pending> commands) {
        List<Message> records = new ArrayList<>(commands.size());
        for (Pending p : commands) {
            Message m = new DefaultMessage(camelContext);
            m.setBody(p.payload);
            m.setHeader(KafkaConstants.KEY, clientId);
            m.setHeader(KafkaConstants.OVERRIDE_TOPIC, topicPrefix + ".commands." + target);
            m.setHeader(EspLinkKafkaHeaders.COMMAND_ID, p.id);
            m.setHeader(EspLinkKafkaHeaders.CORRELATION_ID, p.correlationId);
            m.setHeader(EspLinkKafkaHeaders.EXPIRES_AT, String.valueOf(p.expiresAt));
            m.setHeader(EspLinkKafkaHeaders.GATEWAY_ID, gatewayId);
            records.add(m);
        }
        Exchange ex = new DefaultExchange(camelContext);
        ex.getMessage().setBody(records);
        LOG.debug("Handing {} command(s) for node '{}' to gateway '{}'", records.size(), clientId, target);
        Throwable failure;
        try {
            failure = template.send(forwardUri, ex).getException();
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure != null) {
            LOG.warn("Could not hand commands for node '{}' to gateway '{}' (tried again): {}", clientId, target,
                    failure.toString());
            synchronized (this) {
                commands.forEach(p -> p.forwardedTo = null);
            }
        }
    }

    // ---- on the command consumer's own thread

    @Override
    public void beforePoll(Consumer<?, ?> consumer) {
        commit(consumer, consumer.assignment());
    }

    @Override
    public void revoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        commit(consumer, partitions);
        drop(partitions);
    }

    @Override
    public void lost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        drop(partitions);
    }

    private void commit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> due = offsets.committable(partitions);
        if (due.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(due);
            offsets.committed(due);
            LOG.debug("Committed command offsets {}", due);
        } catch (RuntimeException e) {
            // the next owner of the partition reads those commands again and skips the finished ones
            LOG.warn("Could not commit command offsets {}: {}", due, e.toString());
        }
    }

    private void drop(Collection<TopicPartition> partitions) {
        Set<TopicPartition> gone = new HashSet<>(partitions);
        synchronized (this) {
            for (Iterator<List<Pending>> it = byNode.values().iterator(); it.hasNext();) {
                List<Pending> list = it.next();
                list.removeIf(p -> gone.contains(p.tp));
                if (list.isEmpty()) {
                    it.remove();
                }
            }
            offsets.forget(gone);
        }
        LOG.debug("Command partitions {} given away: their commands are another router's now", gone);
    }

    // ---- configuration

    public void setPresence(PresenceTable presence) {
        this.presence = presence;
    }

    public void setResults(CommandResults results) {
        this.results = results;
    }

    public void setGatewayId(String gatewayId) {
        this.gatewayId = gatewayId;
    }

    public void setTopicPrefix(String topicPrefix) {
        this.topicPrefix = topicPrefix;
    }

    public void setDefaultTtl(long defaultTtl) {
        this.defaultTtl = defaultTtl;
    }

    public void setRetryInterval(long retryInterval) {
        this.retryInterval = retryInterval;
    }

    public void setGrace(long grace) {
        this.grace = grace;
    }

    public void setForwardUri(String forwardUri) {
        this.forwardUri = forwardUri;
    }

    public void setResultUri(String resultUri) {
        this.resultUri = resultUri;
    }
}
