package io.esplink.core;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;

/**
 * The first handler of every node connection: admits it or closes it before a byte is read. It enforces the global
 * address allow-list, the limits per source address ({@link SourceLimits}) and {@code maxConnections}; when the
 * gateway is full, it makes room by closing the oldest connection of a node that is not recognised (still in its
 * handshake, or attached without credentials or a place in expectedClientIds), so that hostile connections can never
 * keep a known node out. While memory is short ({@link MemoryPressure}) it refuses every new connection.
 */
@ChannelHandler.Sharable
final class ConnectionGuard extends ChannelInboundHandlerAdapter {

    /** Set on connections that may be closed to make room (not attached yet, or not recognised). */
    static final AttributeKey<Boolean> EVICTABLE = AttributeKey.valueOf("esplink.evictable");
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("esplink.countedAddress");

    private final ServerConfig config;
    private final SessionRegistry registry;
    private final SourceLimits sources;
    private final AtomicInteger open = new AtomicInteger();
    /** Open connections that may be closed to make room, oldest first; a closed or recognised one leaves at once. */
    private final LinkedHashSet<Channel> evictable = new LinkedHashSet<>();

    private final MemoryPressure memory;

    ConnectionGuard(ServerConfig config, SessionRegistry registry, MemoryPressure memory) {
        this.config = config;
        this.memory = memory;
        this.registry = registry;
        this.sources = new SourceLimits(config.maxConnectionsPerAddress(), config.maxConnectionRatePerAddress());
    }

    /** Node connections open now. */
    int open() {
        return open.get();
    }

    /** Drops idle source addresses; call every few seconds. */
    void sweep() {
        sources.sweep();
    }

    /** The connection {@code ch} attached to a node that is recognised: never closed to make room. */
    void recognised(Channel ch) {
        ch.attr(EVICTABLE).set(false);
        synchronized (evictable) {
            evictable.remove(ch);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        open.incrementAndGet();
        InetAddress address = Links.inetAddress(ch.remoteAddress());
        String remote = Links.format(ch.remoteAddress());
        if (address != null && !config.allowedAddresses().isEmpty()
            && !Cidr.anyContains(config.allowedAddresses(), address)) {
            registry.refuse(ch, "address not allowed", "Refused a connection from {}: not in allowedAddresses",
                    remote);
            return;
        }
        String short_ = memory.reason();
        if (short_ != null) {
            registry.refuse(ch, "memory pressure", "Refused a connection from {}: memory is short ({}); new "
                                                   + "connections are admitted again once it is over", remote, short_);
            return;
        }
        if (address != null) {
            String why = sources.admit(address);
            if (why != null) {
                registry.refuse(ch, "limit per address", "Refused a connection from {}: {}", remote, why);
                return;
            }
            ch.attr(COUNTED).set(address);
        }
        if (open.get() > config.maxConnections() && !makeRoom()) {
            registry.refuse(ch, "too many connections", "Refused a connection from {}: maxConnections ({}) reached "
                                                        + "by recognised nodes", remote, config.maxConnections());
            return;
        }
        ch.attr(EVICTABLE).set(true);
        synchronized (evictable) {
            evictable.add(ch);
        }
        ctx.fireChannelActive();
    }

    /** Closes the oldest connection that may be closed to make room; false if there is none. */
    private boolean makeRoom() {
        while (true) {
            Channel victim;
            synchronized (evictable) {
                Iterator<Channel> oldest = evictable.iterator();
                if (!oldest.hasNext()) {
                    return false;
                }
                victim = oldest.next();
                oldest.remove();
            }
            if (victim.isActive() && Boolean.TRUE.equals(victim.attr(EVICTABLE).get())) {
                victim.attr(EVICTABLE).set(false);
                registry.refuse(victim, "closed to make room",
                        "Closed the connection from {} to make room for another: maxConnections ({}) reached",
                        Links.format(victim.remoteAddress()), config.maxConnections());
                return true;
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
        synchronized (evictable) {
            evictable.remove(ctx.channel());
        }
        InetAddress counted = ctx.channel().attr(COUNTED).getAndSet(null);
        if (counted != null) {
            sources.release(counted);
        }
        ctx.fireChannelInactive();
    }
}
