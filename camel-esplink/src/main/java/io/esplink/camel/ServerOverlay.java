package io.esplink.camel;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.esplink.core.ServerConfig;
import org.apache.camel.support.jsse.SSLContextParameters;

/**
 * The server options one endpoint's URI sets, to be merged with those of the other endpoints of its address over the
 * component's defaults. Two endpoints that set one option to different values conflict.
 */
final class ServerOverlay {

    static final ServerOverlay NONE = new ServerOverlay(null, new EnumMap<>(ServerOption.class));

    /** The endpoint URI that set them, for error messages. */
    private final String source;
    private final EnumMap<ServerOption, Object> values;

    private ServerOverlay(String source, EnumMap<ServerOption, Object> values) {
        this.source = source;
        this.values = values;
    }

    /** The server options of {@code config} named in {@code uriNames} (the URI's own options), from {@code source}. */
    static ServerOverlay of(String source, EspLinkConfiguration config, Set<String> uriNames) {
        EnumMap<ServerOption, Object> values = new EnumMap<>(ServerOption.class);
        for (String name : uriNames) {
            ServerOption o = ServerOption.named(name);
            if (o != null) {
                values.put(o, o.get(config));
            }
        }
        return new ServerOverlay(source, values);
    }

    /**
     * This overlay with {@code other}'s options added.
     *
     * @throws IllegalArgumentException naming the option, both values and both URIs, if they set one differently
     */
    ServerOverlay merge(ServerOverlay other, String address) {
        EnumMap<ServerOption, Object> merged = new EnumMap<>(values);
        for (Map.Entry<ServerOption, Object> e : other.values.entrySet()) {
            ServerOption o = e.getKey();
            if (merged.containsKey(o)) {
                Object mine = merged.get(o);
                boolean same = o == ServerOption.SSL_CONTEXT_PARAMETERS ? mine == e.getValue()
                        : Objects.equals(mine, e.getValue());
                if (!same) {
                    throw new IllegalArgumentException(
                            "esplink: " + other.source + " sets " + o.uriName + "=" + e.getValue() + " but " + source
                                                       + " sets " + o.uriName + "=" + mine + ": every endpoint on "
                                                       + address + " shares one gateway, so they must agree");
                }
            } else {
                merged.put(o, e.getValue());
            }
        }
        return new ServerOverlay(source != null ? source : other.source, merged);
    }

    /** The settings of the server on {@code host:port}: {@code defaults} with this overlay's options over them. */
    ServerConfig serverConfig(String host, int port, EspLinkConfiguration defaults) {
        ServerConfig c = new ServerConfig().host(host).port(port);
        for (ServerOption o : ServerOption.values()) {
            o.set(c, values.containsKey(o) ? values.get(o) : o.get(defaults));
        }
        return c;
    }

    /** The TLS parameters of the server: this overlay's, else {@code fallback}. */
    SSLContextParameters ssl(SSLContextParameters fallback) {
        Object own = values.get(ServerOption.SSL_CONTEXT_PARAMETERS);
        return own != null ? (SSLContextParameters) own : fallback;
    }
}
