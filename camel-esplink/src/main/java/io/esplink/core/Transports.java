package io.esplink.core;

import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.ThreadFactory;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Netty's native epoll transport where it loads (Linux), NIO elsewhere; the channel classes that fit a group. */
public final class Transports {

    private Transports() {
    }

    /** True if Linux's epoll transport can be used here. */
    public static boolean epollAvailable() {
        return Epoll.isAvailable();
    }

    /** An event loop group of {@code threads} (0: Netty's default), epoll if {@code nativeTransport} and available. */
    public static EventLoopGroup eventLoopGroup(int threads, ThreadFactory threadFactory, boolean nativeTransport) {
        return nativeTransport && epollAvailable() ? new EpollEventLoopGroup(threads, threadFactory)
                : new NioEventLoopGroup(threads, threadFactory);
    }

    /** Like {@link #eventLoopGroup(int, ThreadFactory, boolean)}, with loops that pause {@code pauseMicros} when idle. */
    public static EventLoopGroup eventLoopGroup(int threads, ThreadFactory threadFactory, boolean nativeTransport,
                                                long pauseMicros) {
        if (pauseMicros <= 0) {
            return eventLoopGroup(threads, threadFactory, nativeTransport);
        }
        SelectStrategyFactory f = CoalescingSelectStrategy.factory(pauseMicros * 1000);
        return nativeTransport && epollAvailable() ? new EpollEventLoopGroup(threads, threadFactory, f)
                : new NioEventLoopGroup(threads, threadFactory, SelectorProvider.provider(), f);
    }

    /** The server channel class for {@code group}. */
    public static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return group instanceof EpollEventLoopGroup ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The client channel class for {@code group}. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return group instanceof EpollEventLoopGroup ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** A name for logs. */
    public static String name(EventLoopGroup group) {
        return group instanceof EpollEventLoopGroup ? "epoll" : "nio";
    }
}
