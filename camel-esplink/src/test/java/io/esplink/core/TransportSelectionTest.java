package io.esplink.core;

import java.lang.reflect.Method;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Which epoll library a system needs, by its os.name and os.arch (the boards: x86_64 PCs, 64-bit ARM boards; 32-bit
 * ARM and the rest fall back to NIO), named as Netty names it, and on the class path for both; on this machine (Linux
 * x86_64 or aarch64) epoll is what the gateway gets. No ARM machine runs these tests: only the naming and the jars.
 */
class TransportSelectionTest {

    private static final String X86_64 = "libnetty_transport_native_epoll_x86_64.so";
    private static final String AARCH_64 = "libnetty_transport_native_epoll_aarch_64.so";

    @Test
    void linuxOnX86_64AndOn64BitArm_needTheirOwnLibrary() {
        assertThat(Transports.epollLibrary("Linux", "amd64")).isEqualTo(X86_64);
        assertThat(Transports.epollLibrary("Linux", "x86_64")).isEqualTo(X86_64);
        assertThat(Transports.epollLibrary("Linux", "aarch64")).isEqualTo(AARCH_64); // Pi 3/4/5, Zero 2 W, 64-bit OS
        assertThat(Transports.epollLibrary("linux", "AARCH64")).isEqualTo(AARCH_64);
    }

    @Test
    void otherArchitecturesAndOtherSystems_haveNone_soTheyUseNio() {
        assertThat(Transports.epollLibrary("Linux", "arm")).isNull(); // 32-bit Raspberry Pi OS
        assertThat(Transports.epollLibrary("Linux", "armv7l")).isNull();
        assertThat(Transports.epollLibrary("Linux", "i386")).isNull();
        assertThat(Transports.epollLibrary("Linux", "riscv64")).isNull();
        assertThat(Transports.epollLibrary("Mac OS X", "aarch64")).isNull();
        assertThat(Transports.epollLibrary("Windows 11", "amd64")).isNull();
        assertThat(Transports.epollLibrary(null, "amd64")).isNull();
        assertThat(Transports.epollLibrary("Linux", null)).isNull();
    }

    @Test
    void theNames_areTheOnesNettyLooksFor() throws Exception {
        // Netty's own naming of an os.arch (private: read by reflection, so a Netty that names them otherwise fails here)
        Method normalizeArch = PlatformDependent.class.getDeclaredMethod("normalizeArch", String.class);
        normalizeArch.setAccessible(true);
        for (String arch : new String[] {"amd64", "x86_64", "aarch64"}) {
            assertThat(Transports.epollLibrary("Linux", arch)).as(arch)
                    .isEqualTo("libnetty_transport_native_epoll_" + normalizeArch.invoke(null, arch) + ".so");
        }
        for (String arch : new String[] {"arm", "i386", "riscv64", "ppc64le"}) {
            assertThat((String) normalizeArch.invoke(null, arch)).as(arch).isNotIn("x86_64", "aarch_64");
        }
        // and this JVM's
        if ("linux".equals(PlatformDependent.normalizedOs())
                && (PlatformDependent.normalizedArch().equals("x86_64")
                    || PlatformDependent.normalizedArch().equals("aarch_64"))) {
            assertThat(Transports.epollLibrary())
                    .isEqualTo("libnetty_transport_native_epoll_" + PlatformDependent.normalizedArch() + ".so");
        } else {
            assertThat(Transports.epollLibrary()).isNull();
        }
    }

    @Test
    void bothLibraries_areOnTheClassPath() {
        ClassLoader loader = Transports.class.getClassLoader();
        assertThat(loader.getResource("META-INF/native/" + X86_64)).isNotNull();
        assertThat(loader.getResource("META-INF/native/" + AARCH_64)).isNotNull();
    }

    @Test
    void here_epollIsWhatTheGatewayGets() throws Exception {
        String library = Transports.epollLibrary();
        assumeTrue(library != null, "not Linux on x86_64 or aarch64: " + System.getProperty("os.name") + " "
                                    + System.getProperty("os.arch"));
        assertThat(Epoll.isAvailable()).as("%s", Epoll.unavailabilityCause()).isTrue();
        assertThat(Transports.epollUnavailableReason()).isNull();
        EventLoopGroup group = Transports.eventLoopGroup(1, Executors.defaultThreadFactory(), true);
        try {
            assertThat(group).isInstanceOf(EpollEventLoopGroup.class);
            assertThat(Transports.name(group)).isEqualTo("epoll");
            assertThat(Transports.serverChannel(group)).isEqualTo(EpollServerSocketChannel.class);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
        // and NIO when told not to use it
        EventLoopGroup nio = Transports.eventLoopGroup(1, Executors.defaultThreadFactory(), false);
        try {
            assertThat(Transports.name(nio)).isEqualTo("nio");
        } finally {
            nio.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
