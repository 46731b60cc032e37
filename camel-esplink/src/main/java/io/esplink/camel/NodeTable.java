package io.esplink.camel;

import java.time.Instant;
import java.util.List;

import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

import io.esplink.core.NodeView;

/** Nodes as JMX open data: a table with a row per node, keyed by client ID. */
final class NodeTable {

    private static final String[] NAMES = { "clientId", "connected", "connectedSince", "disconnectedAt",
            "lastDisconnectReason", "remoteAddress", "connectCount", "lastMessageAt", "messagesIn", "duplicatesIn",
            "messagesOut", "retransmissions", "pending", "held", "protocolErrors", "undeliverable", "lastPayload" };
    private static final String[] DESCRIPTIONS = { "Client ID", "Connected now", "Connected since",
            "Last disconnect", "Why the last connection ended", "host:port of the current or last connection",
            "Connections since the gateway started", "Last message from the node", "New messages from the node",
            "Duplicates from the node", "Messages to the node (first writes)", "Messages to the node written again",
            "Messages to the node waiting to be sent or acknowledged", "The node's messages in the routes now",
            "Bad lines from the node", "Messages no route took", "The start of the node's last message" };
    private static final OpenType<?>[] TYPES = { SimpleType.STRING, SimpleType.BOOLEAN, SimpleType.STRING,
            SimpleType.STRING, SimpleType.STRING, SimpleType.STRING, SimpleType.INTEGER, SimpleType.STRING,
            SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.INTEGER,
            SimpleType.INTEGER, SimpleType.LONG, SimpleType.LONG, SimpleType.STRING };
    static final CompositeType ROW;
    static final TabularType TABLE;

    static {
        try {
            ROW = new CompositeType("EspLinkNode", "An esplink node", NAMES, DESCRIPTIONS, TYPES);
            TABLE = new TabularType("EspLinkNodes", "esplink nodes", ROW, new String[] { "clientId" });
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NodeTable() {
    }

    static TabularData of(List<NodeView> nodes) throws OpenDataException {
        TabularDataSupport table = new TabularDataSupport(TABLE);
        for (NodeView n : nodes) {
            table.put(new CompositeDataSupport(ROW, NAMES, new Object[] {
                    n.clientId(), n.connected(), text(n.connectedSince()), text(n.disconnectedAt()),
                    n.lastDisconnectReason(), n.remoteAddress(), n.connectCount(), text(n.lastMessageAt()),
                    n.messagesIn(), n.duplicatesIn(), n.messagesOut(), n.retransmissions(), n.pending(), n.held(),
                    n.protocolErrors(), n.undeliverable(), n.lastPayload() }));
        }
        return table;
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }
}
