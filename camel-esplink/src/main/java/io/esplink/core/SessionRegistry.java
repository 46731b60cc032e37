package io.esplink.core;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions of one server, by client ID, and who may attach to them: it checks the ID line at the door (valid
 * client ID, credentials, address rules, L18), admits or refuses connections (L16-L17), tells listeners when nodes
 * connect and disconnect, and forgets nodes that are gone and have nothing pending (after {@code sessionExpiry}, and
 * the longest gone first beyond {@code maxSessions}). Admission and forgetting are serialised by this registry's own
 * lock; sessions know nothing of it.
 */
final class SessionRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private final ServerConfig config;
    private final EventExecutorGroup notifiers;
    private final ListenerTable listeners;
    private final Backpressure backpressure;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    /** Sessions as their nodes left, oldest first (stale entries are skipped): the order to forget them in. */
    private final ConcurrentLinkedDeque<Gone> gone = new ConcurrentLinkedDeque<>();
    private final RefusalLog refusals = new RefusalLog(LOG);
    /** What this server counted (for metrics, JMX and consoles). */
    private final GatewayStats stats = new GatewayStats();
    /** Nodes let in with a warning (not in expectedClientIds), logged in the same bounded amounts. */
    private final RefusalLog strangers = new RefusalLog(LOG);
    /** Connects and disconnects: every one for a small fleet, summed up in a storm. */
    private final RefusalLog comings = new RefusalLog(LOG, true, 100);
    private volatile IntSupplier openConnections = () -> 0;
    private volatile ConnectionGuard guard;

    SessionRegistry(ServerConfig config, EventExecutorGroup notifiers, ListenerTable listeners,
                    Backpressure backpressure) {
        this.config = config;
        this.notifiers = notifiers;
        this.listeners = listeners;
        this.backpressure = backpressure;
    }

    /** The guard whose connections this registry attaches (for the room kept for recognised nodes). */
    void guard(ConnectionGuard guard) {
        this.guard = guard;
        this.openConnections = guard::open;
    }

    Session get(String clientId) {
        return sessions.get(clientId);
    }

    Collection<Session> all() {
        return sessions.values();
    }

    /**
     * The session of {@code clientId}, made if it has none yet (for a message to a node not seen yet).
     *
     * @throws EspLinkException when maxSessions nodes are remembered and none of them can be forgotten
     */
    Session getOrCreate(String clientId) {
        return getOrCreate(clientId, null);
    }

    /**
     * As {@link #getOrCreate(String)}; a session made for a connection on {@code loop} takes that loop as its
     * notifier when the notifier group is the connection's own event loop group (routes on the I/O threads): the
     * node's messages and send results then stay on the thread that reads them.
     */
    private Session getOrCreate(String clientId, EventExecutor loop) {
        Session s = sessions.get(clientId);
        if (s != null) {
            return s;
        }
        synchronized (this) {
            s = sessions.get(clientId);
            if (s == null) {
                if (sessions.size() >= config.maxSessions() && !forgetOne(Long.MAX_VALUE)) {
                    throw new EspLinkException("The gateway remembers " + sessions.size() + " nodes (maxSessions) "
                                               + "and none of them can be forgotten: not remembering '" + clientId
                                               + "'");
                }
                EventExecutor notifier = loop != null && loop.parent() == notifiers ? loop : notifiers.next();
                s = new Session(clientId, config.timeoutMs(), config.writeDelayMs(), config.maxQueuedPerNode(),
                        notifier, listeners, backpressure);
                s.stats(stats);
                sessions.put(clientId, s);
            }
            return s;
        }
    }

    GatewayStats stats() {
        return stats;
    }

    /** Sessions attached to a connection now. */
    int connectedCount() {
        int n = 0;
        for (Session s : sessions.values()) {
            if (s.isConnected()) {
                n++;
            }
        }
        return n;
    }

    /** Messages to nodes waiting to be sent or acknowledged, over every session. */
    int pendingToNodes() {
        int n = 0;
        for (Session s : sessions.values()) {
            n += s.pendingToNode();
        }
        return n;
    }

    /** Refusals so far, in all, and by reason. */
    long refusedCount() {
        return refusals.total();
    }

    Map<String, Long> refusedByReason() {
        return refusals.byReason();
    }

    /**
     * The ID line arrived on {@code ch} ({@code null} if it was not valid UTF-8): checks it, and attaches the
     * connection to the node's session (L16), or refuses it (then the connection is closed, counted and logged, and
     * null returned). Runs on the connection's event loop.
     */
    Session attach(Channel ch, String idLine) {
        String remote = Links.format(ch.remoteAddress());
        InetAddress address = Links.inetAddress(ch.remoteAddress());
        if (idLine == null) {
            refuse(ch, "bad client ID", "Refused a connection from {}: its ID line is not valid UTF-8", remote);
            return null;
        }
        String clientId = idLine;
        boolean authenticated = false;
        CredentialStore store = config.credentials();
        if (store != null) {
            int colon = idLine.lastIndexOf(':');
            String idPart = colon >= 0 ? idLine.substring(0, colon) : idLine;
            String secret = colon >= 0 ? idLine.substring(colon + 1) : null;
            Credential credential = store.find(idPart);
            if (credential != null) {
                if (secret == null || !credential.accepts(secret)) {
                    refuse(ch, "wrong secret", "Refused node '{}' from {}: {} secret", ClientIds.escape(idPart),
                            remote, secret == null ? "no" : "a wrong");
                    return null;
                }
                if (address != null && !credential.allows(address)) {
                    refuse(ch, "address not allowed", "Refused node '{}' from {}: not in the addresses its "
                                                      + "credentials allow", ClientIds.escape(idPart), remote);
                    return null;
                }
                clientId = idPart;
                authenticated = true;
            } else {
                Secrets.waste(secret); // as long as a check: timing does not tell which IDs exist
                if (colon >= 0 && store.find(idLine) != null) {
                    refuse(ch, "wrong secret", "Refused node '{}' from {}: no secret", ClientIds.escape(idLine),
                            remote);
                    return null;
                }
                if (!config.anonymousClients()) {
                    refuse(ch, "no credentials", "Refused node '{}' from {}: it has no credentials (and "
                                                 + "anonymousClients is off)", ClientIds.escape(idPart), remote);
                    return null;
                }
            }
        }
        String problem = ClientIds.problem(clientId, config.maxClientIdLength());
        if (problem != null) {
            refuse(ch, "bad client ID", "Refused a connection from {}: {} ('{}')", remote, problem,
                    ClientIds.escape(clientId));
            return null;
        }
        boolean expected = config.expectedClientIds().contains(clientId);
        if (!config.expectedClientIds().isEmpty() && !expected) {
            if (config.rejectUnknownClients()) {
                refuse(ch, "unknown client", "Refused unknown client '{}' from {}: not in expectedClientIds",
                        clientId, remote);
                return null;
            }
            strangers.refused("unknown client admitted", "Unknown client '{}' connected from {}; expected {}",
                    clientId, remote, config.expectedClientIds().size() <= 20 ? config.expectedClientIds()
                            : config.expectedClientIds().size() + " others");
        }
        boolean recognised = !config.knowsItsNodes() || authenticated || expected;
        if (!recognised && openConnections.getAsInt() > config.maxConnections() - config.reservedConnections()) {
            refuse(ch, "room kept for known nodes", "Refused node '{}' from {}: the last {} connections are kept for "
                                                    + "nodes with credentials or in expectedClientIds", clientId,
                    remote, config.reservedConnections());
            return null;
        }
        DuplicateClientPolicy policy = config.duplicateClientPolicy();
        if (policy == DuplicateClientPolicy.AUTO) {
            policy = authenticated ? DuplicateClientPolicy.REPLACE : DuplicateClientPolicy.REJECT;
        }
        Session s;
        int count;
        Channel replaced = null;
        String replacedFrom = null;
        synchronized (this) {
            try {
                s = getOrCreate(clientId, ch.eventLoop());
            } catch (EspLinkException e) {
                refuse(ch, "too many nodes", "Refused node '{}' from {}: {}", clientId, remote, e.getMessage());
                return null;
            }
            Channel old = s.channel();
            if (old != null) {
                if (policy == DuplicateClientPolicy.REJECT) {
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
        if (recognised && guard != null) {
            guard.recognised(ch);
        }
        if (!recognised && config.knowsItsNodes() && config.unknownClientTimeoutMs() > 0) {
            long ms = config.unknownClientTimeoutMs();
            ch.eventLoop().schedule(() -> Links.close(ch, "unrecognised node: connection time limit of " + ms
                                                          + " ms (unknownClientTimeout)"), ms, TimeUnit.MILLISECONDS);
        }
        if (replaced != null) {
            LOG.warn("Client '{}' reconnected from {} while up: the connection from {} is closed", clientId, remote,
                    replacedFrom);
            Links.close(replaced, "replaced by a new connection");
            stats.disconnected("replaced by a new connection");
            fire(s, SessionEvent.Type.DISCONNECTED, "replaced by a new connection", replacedFrom, count - 1);
        }
        stats.connected();
        comings.refused("connected", "Node '{}' connected from {} (connection {}{})", clientId, remote, count,
                authenticated ? ", with credentials" : "");
        fire(s, SessionEvent.Type.CONNECTED, "connected", remote, count);
        return s;
    }

    /** The connection {@code ch} of {@code s} ended (L13): the session waits for the node (L16). */
    void detach(Session s, Channel ch, String reason) {
        if (s.detach(ch, reason)) {
            gone.add(new Gone(s, s.disconnectedAt()));
            stats.disconnected(reason);
            comings.refused("disconnected", "Node '{}' disconnected: {}", s.id(), reason);
            fire(s, SessionEvent.Type.DISCONNECTED, reason, s.remoteAddress(), s.connectCount());
        }
    }

    /** Closes {@code ch} before it attached, counting why and logging it in bounded amounts. */
    void refuse(Channel ch, String reason, String format, Object... args) {
        refusals.refused(reason, format, args);
        stats.refused(reason);
        Links.close(ch, reason);
    }

    /**
     * Forgets the nodes gone longer than sessionExpiry with nothing pending; logs the refusals of the last period.
     * Call every few seconds.
     */
    void housekeeping(boolean summariseRefusals) {
        long expiry = config.sessionExpiryMs();
        if (expiry > 0) {
            long before = System.currentTimeMillis() - expiry;
            synchronized (this) {
                while (forgetOne(before)) {
                    // next
                }
            }
        }
        if (summariseRefusals) {
            refusals.summarise();
            strangers.summarise();
            comings.summarise();
        }
    }

    /**
     * Forgets the node gone longest, if it left before {@code before} and has nothing pending. Entries of nodes that
     * came back, or that still have something pending, are dropped from the order (a node that leaves again is
     * queued again). Under the registry's lock.
     */
    private boolean forgetOne(long before) {
        for (Iterator<Gone> it = gone.iterator(); it.hasNext();) {
            Gone g = it.next();
            if (g.at > before) {
                return false; // the rest left later
            }
            Session s = g.session;
            if (sessions.get(s.id()) != s || s.isConnected() || s.disconnectedAt() != g.at) {
                it.remove(); // came back (or forgotten already): a newer entry stands for it if it left again
                continue;
            }
            if (!s.isIdle()) {
                continue; // something pending: kept, looked at again next time
            }
            it.remove();
            sessions.remove(s.id(), s);
            s.close("forgotten");
            LOG.debug("Node '{}' forgotten: gone since {} with nothing pending", s.id(), g.at);
            return true;
        }
        return false;
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

    private record Gone(Session session, long at) {
    }
}
