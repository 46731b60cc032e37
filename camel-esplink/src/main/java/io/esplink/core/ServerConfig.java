package io.esplink.core;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of one listening gateway. Every endpoint sharing a host and port must agree on them; {@link #equals}
 * compares them all.
 */
public final class ServerConfig {

    private String host = "0.0.0.0";
    private int port = Protocol.DEFAULT_PORT;
    private long timeoutMs = Protocol.DEFAULT_TIMEOUT_MS;
    private int maxLineLength = Protocol.DEFAULT_MAX_LINE_LENGTH;
    private long handshakeTimeoutMs = Protocol.DEFAULT_TIMEOUT_MS;
    private int maxConnections = 1000;
    private long writeDelayMs = Protocol.DEFAULT_WRITE_DELAY_MS;
    private Set<String> expectedClientIds = Set.of();
    private boolean rejectUnknownClients;
    private DuplicateClientPolicy duplicateClientPolicy = DuplicateClientPolicy.REJECT;

    public String host() {
        return host;
    }

    public ServerConfig host(String host) {
        this.host = Objects.requireNonNull(host, "host");
        return this;
    }

    public int port() {
        return port;
    }

    /** 0 picks a free port (see {@link EspLinkServer#localPort()}). */
    public ServerConfig port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, not " + port);
        }
        this.port = port;
        return this;
    }

    public long timeoutMs() {
        return timeoutMs;
    }

    public ServerConfig timeoutMs(long timeoutMs) {
        if (timeoutMs < 100) {
            throw new IllegalArgumentException("timeout must be at least 100 ms, not " + timeoutMs);
        }
        this.timeoutMs = timeoutMs;
        return this;
    }

    public int maxLineLength() {
        return maxLineLength;
    }

    public ServerConfig maxLineLength(int maxLineLength) {
        if (maxLineLength < 3) {
            throw new IllegalArgumentException("maxLineLength must be at least 3, not " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
        return this;
    }

    public long handshakeTimeoutMs() {
        return handshakeTimeoutMs;
    }

    public ServerConfig handshakeTimeoutMs(long handshakeTimeoutMs) {
        if (handshakeTimeoutMs <= 0) {
            throw new IllegalArgumentException("handshakeTimeout must be positive, not " + handshakeTimeoutMs);
        }
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        return this;
    }

    public int maxConnections() {
        return maxConnections;
    }

    public ServerConfig maxConnections(int maxConnections) {
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("maxConnections must be positive, not " + maxConnections);
        }
        this.maxConnections = maxConnections;
        return this;
    }

    public long writeDelayMs() {
        return writeDelayMs;
    }

    public ServerConfig writeDelayMs(long writeDelayMs) {
        if (writeDelayMs < 0) {
            throw new IllegalArgumentException("writeDelayAfterConnect must not be negative, not " + writeDelayMs);
        }
        this.writeDelayMs = writeDelayMs;
        return this;
    }

    public Set<String> expectedClientIds() {
        return expectedClientIds;
    }

    public ServerConfig expectedClientIds(Collection<String> ids) {
        TreeSet<String> set = new TreeSet<>();
        for (String id : ids) {
            set.add(Protocol.checkClientId(id));
        }
        this.expectedClientIds = java.util.Collections.unmodifiableSet(set);
        return this;
    }

    public boolean rejectUnknownClients() {
        return rejectUnknownClients;
    }

    public ServerConfig rejectUnknownClients(boolean reject) {
        this.rejectUnknownClients = reject;
        return this;
    }

    public DuplicateClientPolicy duplicateClientPolicy() {
        return duplicateClientPolicy;
    }

    public ServerConfig duplicateClientPolicy(DuplicateClientPolicy policy) {
        this.duplicateClientPolicy = Objects.requireNonNull(policy, "duplicateClientPolicy");
        return this;
    }

    /** Checks settings that depend on each other. */
    public ServerConfig validate() {
        if (rejectUnknownClients && expectedClientIds.isEmpty()) {
            throw new IllegalArgumentException(
                    "rejectUnknownClients=true needs expectedClientIds: otherwise every node would be refused");
        }
        return this;
    }

    /** True if {@code id} may connect (L18). */
    public boolean admits(String id) {
        return !rejectUnknownClients || expectedClientIds.contains(id);
    }

    private List<Object> key() {
        return List.of(host, port, timeoutMs, maxLineLength, handshakeTimeoutMs, maxConnections, writeDelayMs,
                expectedClientIds, rejectUnknownClients, duplicateClientPolicy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerConfig && key().equals(((ServerConfig) o).key());
    }

    @Override
    public int hashCode() {
        return key().hashCode();
    }

    @Override
    public String toString() {
        return "ServerConfig[" + host + ":" + port + ", timeout=" + timeoutMs + ", maxLineLength=" + maxLineLength
               + ", handshakeTimeout=" + handshakeTimeoutMs + ", maxConnections=" + maxConnections
               + ", writeDelayAfterConnect=" + writeDelayMs + ", expectedClientIds=" + expectedClientIds
               + ", rejectUnknownClients=" + rejectUnknownClients + ", duplicateClientPolicy="
               + duplicateClientPolicy + "]";
    }
}
