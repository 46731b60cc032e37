package io.esplink.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Who listens to the nodes of one server: per client ID, or for every node. Every listener whose node matches gets
 * each message and event; a listener registered twice counts once. The registrations are an immutable list replaced
 * as a whole on every change, so a {@link Listeners} snapshot tells by identity whether it is still current: the
 * per-message path neither searches nor allocates while nothing changes.
 */
final class ListenerTable {

    private volatile List<Registration> registrations = List.of();

    synchronized void add(String clientId, EspLinkListener listener) {
        Registration r = new Registration(clientId, Objects.requireNonNull(listener, "listener"));
        if (!registrations.contains(r)) {
            List<Registration> next = new ArrayList<>(registrations);
            next.add(r);
            registrations = List.copyOf(next);
        }
    }

    synchronized void remove(String clientId, EspLinkListener listener) {
        List<Registration> next = new ArrayList<>(registrations);
        if (next.remove(new Registration(clientId, listener))) {
            registrations = List.copyOf(next);
        }
    }

    /** The listeners of node {@code clientId}'s messages, in registration order: {@code cached} if still current. */
    Listeners forMessages(String clientId, Listeners cached) {
        List<Registration> current = registrations;
        if (cached != null && cached.of == current) {
            return cached;
        }
        List<EspLinkListener> out = new ArrayList<>(2);
        boolean anyProcessed = false;
        for (Registration r : current) {
            if (r.matches(clientId) && r.listener().wantsMessages()) {
                out.add(r.listener());
                anyProcessed |= r.listener().ackMode() == AckMode.PROCESSED;
            }
        }
        return new Listeners(current, List.copyOf(out), anyProcessed);
    }

    /** The listeners of node {@code clientId}'s connection events. */
    List<EspLinkListener> forEvents(String clientId) {
        List<EspLinkListener> out = new ArrayList<>(2);
        for (Registration r : registrations) {
            if (r.matches(clientId) && r.listener().wantsEvents()) {
                out.add(r.listener());
            }
        }
        return out;
    }

    /** The message listeners of one node as of one version of the registrations. */
    static final class Listeners {
        private final List<Registration> of;
        final List<EspLinkListener> list;
        final boolean anyProcessed;

        Listeners(List<Registration> of, List<EspLinkListener> list, boolean anyProcessed) {
            this.of = of;
            this.list = list;
            this.anyProcessed = anyProcessed;
        }
    }

    private record Registration(String clientId, EspLinkListener listener) {
        boolean matches(String id) {
            return clientId == null || clientId.equals(id);
        }
    }
}
