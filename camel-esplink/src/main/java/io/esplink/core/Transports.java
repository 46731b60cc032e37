package io.esplink.core;

import java.nio.channels.spi.SelectorProvider;
import java.util.Locale;
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

    /**
     * The native library Netty loads for epoll on a system of this {@code os.name} and {@code os.arch}, among those
     * this build carries: {@code libnetty_transport_native_epoll_x86_64.so} (jar classifier linux-x86_64) and
     * {@code libnetty_transport_native_epoll_aarch_64.so} (linux-aarch_64); null where none fits (not Linux, or an
     * architecture such as 32-bit ARM for which Netty 4.1 makes no epoll jar): NIO is used there. Netty looks for
     * {@code META-INF/native/} + this name on the class path, naming the architecture as below.
     */
    public static String epollLibrary(String osName, String osArch) {
        if (osName == null || osArch == null
                || !osName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "").startsWith("linux")) {
            return null;
        }
        String arch = switch (osArch.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "")) {
            case "x8664", "amd64", "ia32e", "em64t", "x64" -> "x86_64";
            case "aarch64" -> "aarch_64";
            default -> null;
        };
        return arch == null ? null : "libnetty_transport_native_epoll_" + arch + ".so";
    }

    /** {@link #epollLibrary(String, String)} of this JVM's system. */
    public static String epollLibrary() {
        return epollLibrary(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** Why epoll is not used here (for a log line), or null if it is available. */
    public static String epollUnavailableReason() {
        if (epollAvailable()) {
            return null;
        }
        String library = epollLibrary();
        if (library == null) {
            return "this build carries no epoll library for " + System.getProperty("os.name") + " "
                   + System.getProperty("os.arch");
        }
        Throwable cause = Epoll.unavailabilityCause();
        return library + " did not load" + (cause != null ? ": " + cause : "");
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
