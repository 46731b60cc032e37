package io.esplink.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The load tool's counters; written by the loop thread only, copied by it for anyone else. */
final class Counters implements Cloneable {

    /** TCP connections established. */
    long connects;
    /** Times a node's link came up (its first line from the gateway arrived, L14). */
    long ups;
    /** Messages sent for the first time. */
    long sent;
    /** Messages acknowledged (each once). */
    long acked;
    /** Echoes received: gateway messages that carried back one of this node's messages. */
    long echoed;
    /** Messages from the gateway delivered (new by the duplicate window). */
    long received;
    /** Messages from the gateway that the window (L10) dropped as duplicates. */
    long duplicates;
    /** Messages sent again with the same ID (ACK timeout or after an outage, L20). */
    long retransmissions;
    /** ACKs for no message in flight (the ACK of a message already acknowledged). */
    long strayAcks;
    /** Outages of an up link: nothing received for timeout (L13). */
    long outagesTimeout;
    /** Outages of an up link: the gateway closed it. */
    long outagesClosed;
    /** Connections closed by the gateway before its first line (refused: limits, unknown ID, handshake). */
    long refused;
    /** Connections that got no first line within 2 x timeout (L14). */
    long handshakeTimeouts;
    /** TCP connects that failed (refused, reset, no route). */
    long connectFailures;
    /** Lines from the gateway that are none of KA, ACK, message (L6). */
    long badLines;
    /** Echoes not received within the echo timeout (the node stopped waiting for them). */
    long echoTimeouts;

    long outages() {
        return outagesTimeout + outagesClosed;
    }

    Counters copy() {
        try {
            return (Counters) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /** This minus {@code earlier}, field by field. */
    Counters minus(Counters earlier) {
        Counters d = new Counters();
        d.connects = connects - earlier.connects;
        d.ups = ups - earlier.ups;
        d.sent = sent - earlier.sent;
        d.acked = acked - earlier.acked;
        d.echoed = echoed - earlier.echoed;
        d.received = received - earlier.received;
        d.duplicates = duplicates - earlier.duplicates;
        d.retransmissions = retransmissions - earlier.retransmissions;
        d.strayAcks = strayAcks - earlier.strayAcks;
        d.outagesTimeout = outagesTimeout - earlier.outagesTimeout;
        d.outagesClosed = outagesClosed - earlier.outagesClosed;
        d.refused = refused - earlier.refused;
        d.handshakeTimeouts = handshakeTimeouts - earlier.handshakeTimeouts;
        d.connectFailures = connectFailures - earlier.connectFailures;
        d.badLines = badLines - earlier.badLines;
        d.echoTimeouts = echoTimeouts - earlier.echoTimeouts;
        return d;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connects", connects);
        m.put("ups", ups);
        m.put("sent", sent);
        m.put("acked", acked);
        m.put("echoed", echoed);
        m.put("received", received);
        m.put("duplicates", duplicates);
        m.put("retransmissions", retransmissions);
        m.put("strayAcks", strayAcks);
        m.put("outages", outages());
        m.put("outagesTimeout", outagesTimeout);
        m.put("outagesClosed", outagesClosed);
        m.put("refused", refused);
        m.put("handshakeTimeouts", handshakeTimeouts);
        m.put("connectFailures", connectFailures);
        m.put("badLines", badLines);
        m.put("echoTimeouts", echoTimeouts);
        return m;
    }
}
