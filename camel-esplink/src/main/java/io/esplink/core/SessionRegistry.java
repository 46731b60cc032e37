package io.esplink.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutorGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions of one server, by client ID, and who may attach to them (L16-L18): it makes sessions, admits or
 * refuses connections, and tells listeners when nodes connect and disconnect. Admission is serialised by this
 * registry's own lock; sessions know nothing of it.
 */
final class SessionRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private final ServerConfig config;
    private final EventExecutorGroup notifiers;
    private final ListenerTable listeners;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final LongAdder refused = new LongAdder();

    SessionRegistry(ServerConfig config, EventExecutorGroup notifiers, ListenerTable listeners) {
        this.config = config;
        this.notifiers = notifiers;
        this.listeners = listeners;
    }

    Session get(String clientId) {
        return sessions.get(clientId);
    }

    Collection<Session> all() {
        return sessions.values();
    }

    /** The session of {@code clientId}, made if it has none yet (for a message to a node not seen yet). */
    Session getOrCreate(String clientId) {
        return sessions.computeIfAbsent(clientId,
                id -> new Session(id, config.timeoutMs(), config.writeDelayMs(), notifiers.next(), listeners));
    }

    /** Connections closed before attaching: over a limit, unknown, duplicate, no ID in time. */
    long refusedCount() {
        return refused.sum();
    }

    /**
     * The ID line {@code clientId} arrived on {@code ch}: attaches the connection to the node's session (L16), or
     * refuses it (L17 duplicate, L18 unknown): then the connection is closed, counted and logged, and null returned.
     * Runs on the connection's event loop.
     */
    Session attach(Channel ch, String clientId) {
        String remote = Links.format(ch.remoteAddress());
        if (clientId.isEmpty()) {
            refuse(ch, "empty client ID", "Refused a connection from {}: its ID line is empty", remote);
            return null;
        }
        if (!config.expectedClientIds().isEmpty() && !config.expectedClientIds().contains(clientId)) {
            if (config.rejectUnknownClients()) {
                refuse(ch, "unknown client", "Refused unknown client '{}' from {}: not in expectedClientIds",
                        clientId, remote);
                return null;
            }
            LOG.warn("Unknown client '{}' connected from {}; expected {}", clientId, remote,
                    config.expectedClientIds());
        }
        Session s;
        int count;
        Channel replaced = null;
        String replacedFrom = null;
        synchronized (this) {
            s = getOrCreate(clientId);
            Channel old = s.channel();
            if (old != null) {
                if (config.duplicateClientPolicy() == DuplicateClientPolicy.REJECT) {
                    refuse(ch, "duplicate client",
                            "Duplicate client '{}' from {} ignored: a connection with that ID is up (from {})",
                            clientId, remote, s.remoteAddress());
                    return null;
                }
                replacedFrom = s.remoteAddress();
                s.detach(old, "replaced by a new connection from " + remote);
                replaced = old;
            }
            count = s.attach(ch, remote);
        }
        if (replaced != null) {
            LOG.warn("Client '{}' reconnected from {} while up: the connection from {} is closed", clientId, remote,
                    replacedFrom);
            Links.close(replaced, "replaced by a new connection");
            fire(s, SessionEvent.Type.DISCONNECTED, "replaced by a new connection", replacedFrom, count - 1);
        }
        LOG.info("Node '{}' connected from {} (connection {})", clientId, remote, count);
        fire(s, SessionEvent.Type.CONNECTED, "connected", remote, count);
        return s;
    }

    /** The connection {@code ch} of {@code s} ended (L13): the session waits for the node (L16). */
    void detach(Session s, Channel ch, String reason) {
        if (s.detach(ch, reason)) {
            LOG.info("Node '{}' disconnected: {}", s.id(), reason);
            fire(s, SessionEvent.Type.DISCONNECTED, reason, s.remoteAddress(), s.connectCount());
        }
    }

    /** Closes {@code ch} before it attached, counting and logging why. */
    void refuse(Channel ch, String reason, String format, Object... args) {
        refused.increment();
        LOG.warn(format, args);
        Links.close(ch, reason);
    }

    /** Every session goes away for good. */
    void closeAll(String reason) {
        for (Session s : sessions.values()) {
            s.close(reason);
        }
    }

    /** The client IDs of the sessions that are up, sorted. */
    List<String> connectedClientIds() {
        List<String> ids = new ArrayList<>();
        for (Session s : sessions.values()) {
            if (s.isConnected()) {
                ids.add(s.id());
            }
        }
        ids.sort(null);
        return ids;
    }

    private void fire(Session s, SessionEvent.Type type, String reason, String remote, int count) {
        List<EspLinkListener> targets = listeners.forEvents(s.id());
        if (targets.isEmpty()) {
            return;
        }
        SessionEvent ev = new SessionEvent(type, s.id(), reason, remote, count);
        s.notifier().execute(() -> {
            for (EspLinkListener l : targets) {
                try {
                    l.onEvent(ev);
                } catch (RuntimeException e) {
                    LOG.warn("Listener failed on event {}", ev, e);
                }
            }
        });
    }
}
