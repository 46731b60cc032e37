package io.esplink.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.esplink.camel.EspLinkEvent;
import io.esplink.camel.EspLinkMessage;
import io.esplink.core.ClientIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The gateway's own node route ({@code gateway/nodes.yaml}) takes node messages in batches, so that it costs the
 * gateway one exchange per batch, not one per message, at line rate; this bean does its per-message work: logs each
 * message (logger {@code esplink-log}, at {@code esplink.log.messages}, escaped) and picks out the nodes that sent
 * {@code ping} (the route answers each with {@code pong}); it logs each connect and disconnect of a batch of events
 * (at INFO). The status page reads each node's last message from the
 * server ({@code NodeView.lastPayload}), not from here.
 */
public final class NodeMessages {

    /** The bean's name in the registry, as the route refers to it. */
    public static final String BEAN = "esplinkNodeMessages";
    private static final Logger LOG = LoggerFactory.getLogger("esplink-log");

    private final Level level;

    /**
     * @param level a Camel logging level name ({@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR}
     *              or {@code OFF})
     */
    NodeMessages(String level) {
        String l = level.trim().toUpperCase(Locale.ROOT);
        if (l.equals("OFF")) {
            this.level = null;
        } else {
            try {
                this.level = Level.valueOf(l);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("esplink.log.messages: '" + level + "' is not a logging level "
                                                   + "(TRACE, DEBUG, INFO, WARN, ERROR or OFF)", e);
            }
        }
    }

    /** Logs each message of {@code batch}; returns the client IDs of the nodes that sent {@code ping}. */
    public List<String> handle(List<EspLinkMessage> batch) {
        boolean log = level != null && LOG.isEnabledForLevel(level);
        List<String> pings = List.of();
        for (EspLinkMessage m : batch) {
            if (log) {
                LOG.atLevel(level).log("node {} message {}: {}", ClientIds.escape(m.clientId()), m.messageId(),
                        ClientIds.escape(m.payload(), 1000));
            }
            if ("ping".equals(m.payload())) {
                if (pings.isEmpty()) {
                    pings = new ArrayList<>();
                }
                pings.add(m.clientId());
            }
        }
        return pings;
    }

    /** Logs each connect or disconnect of {@code batch} (at INFO), as {@code node kitchen CONNECTED: connected}. */
    public void events(List<EspLinkEvent> batch) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        for (EspLinkEvent e : batch) {
            LOG.info("node {} {}: {}", ClientIds.escape(e.clientId()), e.event(), ClientIds.escape(e.reason(), 1000));
        }
    }
}
