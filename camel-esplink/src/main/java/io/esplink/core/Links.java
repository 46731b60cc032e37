package io.esplink.core;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/** Small helpers shared by the gateway and the node client. */
public final class Links {

    /** Why a connection was closed by this side; absent when the peer closed it. */
    public static final AttributeKey<String> CLOSE_REASON = AttributeKey.valueOf("esplink.closeReason");
    /** The client ID a connection was attached to, once it was. */
    static final AttributeKey<String> CLIENT_ID = AttributeKey.valueOf("esplink.clientId");
    /** The pipeline names of the gateway's handlers. */
    static final String ID_HANDLER = "id";
    static final String SESSION_HANDLER = "session";

    private Links() {
    }

    /** Closes {@code ch}, recording the first reason given. */
    public static void close(Channel ch, String reason) {
        ch.attr(CLOSE_REASON).setIfAbsent(reason);
        ch.close();
    }

    /** The recorded close reason, or "closed by peer". */
    public static String closeReason(Channel ch) {
        String r = ch.attr(CLOSE_REASON).get();
        return r != null ? r : "closed by peer";
    }

    /** The IP address of a socket address, or null if it has none. */
    public static java.net.InetAddress inetAddress(SocketAddress address) {
        return address instanceof InetSocketAddress ? ((InetSocketAddress) address).getAddress() : null;
    }

    /** {@code host:port} of a socket address. */
    public static String format(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) address;
            String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
            return host + ":" + a.getPort();
        }
        return String.valueOf(address);
    }
}
