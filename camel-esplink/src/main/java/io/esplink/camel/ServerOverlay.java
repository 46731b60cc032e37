package io.esplink.camel;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import io.esplink.core.DuplicateClientPolicy;
import io.esplink.core.ServerConfig;
import org.apache.camel.support.jsse.SSLContextParameters;

/**
 * The server options one endpoint's URI sets (null: not set there), to be merged with those of the other endpoints
 * of its address over the component's defaults. Two endpoints that set one option to different values conflict.
 *
 * @param source the endpoint URI that set them, for error messages
 */
record ServerOverlay(String source, Long timeout, String expectedClientIds, Boolean rejectUnknownClients,
                     DuplicateClientPolicy duplicateClientPolicy, Integer maxLineLength, Long handshakeTimeout,
                     Integer maxConnections, Long writeDelayAfterConnect, SSLContextParameters sslContextParameters) {

    /** The names of the server options, as in URIs. */
    static final Set<String> NAMES = Set.of("timeout", "expectedClientIds", "rejectUnknownClients",
            "duplicateClientPolicy", "maxLineLength", "handshakeTimeout", "maxConnections", "writeDelayAfterConnect",
            "sslContextParameters");

    static final ServerOverlay NONE = new ServerOverlay(null, null, null, null, null, null, null, null, null, null);

    /** The server options of {@code config} named in {@code set} (the URI's own options), from {@code source}. */
    static ServerOverlay of(String source, EspLinkConfiguration config, Set<String> set) {
        return new ServerOverlay(source,
                set.contains("timeout") ? config.getTimeout() : null,
                set.contains("expectedClientIds") ? config.getExpectedClientIds() : null,
                set.contains("rejectUnknownClients") ? config.isRejectUnknownClients() : null,
                set.contains("duplicateClientPolicy") ? config.getDuplicateClientPolicy() : null,
                set.contains("maxLineLength") ? config.getMaxLineLength() : null,
                set.contains("handshakeTimeout") ? config.getHandshakeTimeout() : null,
                set.contains("maxConnections") ? config.getMaxConnections() : null,
                set.contains("writeDelayAfterConnect") ? config.getWriteDelayAfterConnect() : null,
                set.contains("sslContextParameters") ? config.getSslContextParameters() : null);
    }

    /**
     * This overlay with {@code other}'s options added.
     *
     * @throws IllegalArgumentException naming the option, both values and both URIs, if they set one differently
     */
    ServerOverlay merge(ServerOverlay other, String address) {
        Merge m = new Merge(this, other, address);
        return new ServerOverlay(source != null ? source : other.source,
                m.pick("timeout", timeout, other.timeout),
                m.pick("expectedClientIds", expectedClientIds, other.expectedClientIds),
                m.pick("rejectUnknownClients", rejectUnknownClients, other.rejectUnknownClients),
                m.pick("duplicateClientPolicy", duplicateClientPolicy, other.duplicateClientPolicy),
                m.pick("maxLineLength", maxLineLength, other.maxLineLength),
                m.pick("handshakeTimeout", handshakeTimeout, other.handshakeTimeout),
                m.pick("maxConnections", maxConnections, other.maxConnections),
                m.pick("writeDelayAfterConnect", writeDelayAfterConnect, other.writeDelayAfterConnect),
                m.pick("sslContextParameters", sslContextParameters, other.sslContextParameters));
    }

    /** The settings of the server on {@code host:port}: {@code defaults} with this overlay's options over them. */
    ServerConfig serverConfig(String host, int port, EspLinkConfiguration defaults) {
        ServerConfig c = new ServerConfig().host(host).port(port)
                .timeoutMs(or(timeout, defaults.getTimeout()))
                .rejectUnknownClients(or(rejectUnknownClients, defaults.isRejectUnknownClients()))
                .duplicateClientPolicy(or(duplicateClientPolicy, defaults.getDuplicateClientPolicy()))
                .maxLineLength(or(maxLineLength, defaults.getMaxLineLength()))
                .handshakeTimeoutMs(or(handshakeTimeout, defaults.getHandshakeTimeout()))
                .maxConnections(or(maxConnections, defaults.getMaxConnections()))
                .writeDelayMs(or(writeDelayAfterConnect, defaults.getWriteDelayAfterConnect()));
        String ids = or(expectedClientIds, defaults.getExpectedClientIds());
        if (ids != null) {
            c.expectedClientIds(Arrays.stream(ids.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .collect(Collectors.toList()));
        }
        return c;
    }

    /** The TLS parameters of the server: this overlay's, else {@code fallback}. */
    SSLContextParameters ssl(SSLContextParameters fallback) {
        return sslContextParameters != null ? sslContextParameters : fallback;
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    private record Merge(ServerOverlay a, ServerOverlay b, String address) {
        <T> T pick(String name, T x, T y) {
            if (x != null && y != null && !(name.equals("sslContextParameters") ? x == y : Objects.equals(x, y))) {
                throw new IllegalArgumentException(
                        "esplink: " + b.source + " sets " + name + "=" + y + " but " + a.source + " sets " + name + "="
                                                   + x + ": every endpoint on " + address + " shares one gateway, "
                                                   + "so they must agree");
            }
            return x != null ? x : y;
        }
    }
}
