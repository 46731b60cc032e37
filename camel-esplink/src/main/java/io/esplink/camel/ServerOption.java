package io.esplink.camel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.esplink.core.Cidr;
import io.esplink.core.CredentialStore;
import io.esplink.core.CredentialsFile;
import io.esplink.core.DuplicateClientPolicy;
import io.esplink.core.ServerConfig;

/**
 * The options of {@link EspLinkConfiguration} that configure the listening gateway of an address (shared by every
 * endpoint of that address) rather than one endpoint: each reads its value from a configuration and sets it on a
 * {@link ServerConfig}.
 */
enum ServerOption {

    // first: expectedClientIds are checked against it
    MAX_CLIENT_ID_LENGTH("maxClientIdLength", EspLinkConfiguration::getMaxClientIdLength,
            (c, v) -> c.maxClientIdLength((Integer) v)),
    TIMEOUT("timeout", EspLinkConfiguration::getTimeout, (c, v) -> c.timeoutMs((Long) v)),
    EXPECTED_CLIENT_IDS("expectedClientIds", EspLinkConfiguration::getExpectedClientIds,
            (c, v) -> c.expectedClientIds(v == null ? java.util.List.of()
                    : Arrays.stream(((String) v).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                            .collect(Collectors.toList()))),
    REJECT_UNKNOWN_CLIENTS("rejectUnknownClients", EspLinkConfiguration::isRejectUnknownClients,
            (c, v) -> c.rejectUnknownClients((Boolean) v)),
    DUPLICATE_CLIENT_POLICY("duplicateClientPolicy", EspLinkConfiguration::getDuplicateClientPolicy,
            (c, v) -> c.duplicateClientPolicy((DuplicateClientPolicy) v)),
    MAX_LINE_LENGTH("maxLineLength", EspLinkConfiguration::getMaxLineLength, (c, v) -> c.maxLineLength((Integer) v)),
    HANDSHAKE_TIMEOUT("handshakeTimeout", EspLinkConfiguration::getHandshakeTimeout,
            (c, v) -> c.handshakeTimeoutMs((Long) v)),
    MAX_CONNECTIONS("maxConnections", EspLinkConfiguration::getMaxConnections, (c, v) -> c.maxConnections((Integer) v)),
    WRITE_DELAY_AFTER_CONNECT("writeDelayAfterConnect", EspLinkConfiguration::getWriteDelayAfterConnect,
            (c, v) -> c.writeDelayMs((Long) v)),
    /** TLS is not part of {@link ServerConfig}: the component makes the server's TLS context from it. */
    SSL_CONTEXT_PARAMETERS("sslContextParameters", EspLinkConfiguration::getSslContextParameters, (c, v) -> {
    }),
    CREDENTIALS("credentials", EspLinkConfiguration::getCredentials, (c, v) -> {
        if (v != null) {
            c.credentials((CredentialStore) v);
        }
    }),
    CREDENTIALS_FILE("credentialsFile", EspLinkConfiguration::getCredentialsFile, (c, v) -> {
        if (v != null && c.credentials() == null) {
            c.credentials(ServerOption.credentialsFile((String) v));
        }
    }),
    ANONYMOUS_CLIENTS("anonymousClients", EspLinkConfiguration::isAnonymousClients,
            (c, v) -> c.anonymousClients((Boolean) v)),
    ALLOWED_ADDRESSES("allowedAddresses", EspLinkConfiguration::getAllowedAddresses,
            (c, v) -> c.allowedAddresses(Cidr.parseList((String) v))),
    MAX_CONNECTIONS_PER_ADDRESS("maxConnectionsPerAddress", EspLinkConfiguration::getMaxConnectionsPerAddress,
            (c, v) -> c.maxConnectionsPerAddress((Integer) v)),
    MAX_CONNECTION_RATE_PER_ADDRESS("maxConnectionRatePerAddress",
            EspLinkConfiguration::getMaxConnectionRatePerAddress, (c, v) -> c.maxConnectionRatePerAddress((Integer) v)),
    RESERVED_CONNECTIONS("reservedConnections", EspLinkConfiguration::getReservedConnections,
            (c, v) -> c.reservedConnections((Integer) v)),
    UNKNOWN_CLIENT_TIMEOUT("unknownClientTimeout", EspLinkConfiguration::getUnknownClientTimeout,
            (c, v) -> c.unknownClientTimeoutMs((Long) v)),
    MAX_INFLIGHT_MESSAGES("maxInflightMessages", EspLinkConfiguration::getMaxInflightMessages,
            (c, v) -> c.maxInflightMessages((Integer) v)),
    MAX_INFLIGHT_BYTES("maxInflightBytes", EspLinkConfiguration::getMaxInflightBytes,
            (c, v) -> c.maxInflightBytes((Long) v)),
    MAX_QUEUED_PER_NODE("maxQueuedPerNode", EspLinkConfiguration::getMaxQueuedPerNode,
            (c, v) -> c.maxQueuedPerNode((Integer) v)),
    SESSION_EXPIRY("sessionExpiry", EspLinkConfiguration::getSessionExpiry, (c, v) -> c.sessionExpiryMs((Long) v)),
    MAX_SESSIONS("maxSessions", EspLinkConfiguration::getMaxSessions, (c, v) -> c.maxSessions((Integer) v)),
    BACKLOG("backlog", EspLinkConfiguration::getBacklog, (c, v) -> c.backlog((Integer) v));

    /** One store per credentials file, so that every endpoint naming the file agrees on it. */
    private static final Map<Path, CredentialsFile> FILES = new ConcurrentHashMap<>();

    final String uriName;
    private final Function<EspLinkConfiguration, Object> getter;
    private final BiConsumer<ServerConfig, Object> setter;

    ServerOption(String uriName, Function<EspLinkConfiguration, Object> getter, BiConsumer<ServerConfig, Object> setter) {
        this.uriName = uriName;
        this.getter = getter;
        this.setter = setter;
    }

    Object get(EspLinkConfiguration configuration) {
        return getter.apply(configuration);
    }

    void set(ServerConfig config, Object value) {
        setter.accept(config, value);
    }

    /** The option named {@code uriName} in URIs, or null if it is no server option. */
    static ServerOption named(String uriName) {
        for (ServerOption o : values()) {
            if (o.uriName.equals(uriName)) {
                return o;
            }
        }
        return null;
    }

    private static CredentialsFile credentialsFile(String path) {
        return FILES.computeIfAbsent(Path.of(path).toAbsolutePath().normalize(), p -> {
            try {
                return new CredentialsFile(p).load();
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("esplink: cannot read the node credentials file " + p + ": "
                                                   + e.getMessage(), e);
            }
        });
    }
}
