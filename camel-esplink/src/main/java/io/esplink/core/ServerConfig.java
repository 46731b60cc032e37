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
    /** 0: from the {@link #budget()}. */
    private int maxConnections;
    private long writeDelayMs = Protocol.DEFAULT_WRITE_DELAY_MS;
    private Set<String> expectedClientIds = Set.of();
    private boolean rejectUnknownClients;
    private DuplicateClientPolicy duplicateClientPolicy = DuplicateClientPolicy.AUTO;
    private int maxClientIdLength = ClientIds.DEFAULT_MAX_LENGTH;
    private CredentialStore credentials;
    private boolean anonymousClients;
    private List<Cidr> allowedAddresses = List.of();
    private int maxConnectionsPerAddress = 64;
    private int maxConnectionRatePerAddress = 100;
    private int reservedConnections = -1;
    private long unknownClientTimeoutMs = 600_000;
    private int maxInflightMessages = 10_000;
    /** The largest maxInflightMessages (the held count shares a word with the bytes, see Backpressure). */
    static final int MAX_INFLIGHT_MESSAGES = 1_000_000;
    /** The largest maxInflightBytes: 1 TiB. */
    static final long MAX_INFLIGHT_BYTES = 1L << 40;
    /** 0: from the {@link #budget()}. */
    private long maxInflightBytes;
    private int maxQueuedPerNode = 100;
    private long sessionExpiryMs = 3_600_000;
    /** 0: from the {@link #budget()}. */
    private int maxSessions;
    private MemoryBudget budget;
    private int backlog;

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

    /** The memory budget the limits left at 0 come from: this JVM's unless set (tests). */
    public MemoryBudget budget() {
        return budget != null ? budget : MemoryBudget.machine();
    }

    public ServerConfig budget(MemoryBudget budget) {
        this.budget = budget;
        return this;
    }

    public int maxConnections() {
        return maxConnections > 0 ? maxConnections : budget().maxConnections();
    }

    /** True if maxConnections, maxSessions and maxInflightBytes were each set rather than taken from the budget. */
    boolean limitSet(String name) {
        return switch (name) {
            case "maxConnections" -> maxConnections > 0;
            case "maxSessions" -> maxSessions > 0;
            case "maxInflightBytes" -> maxInflightBytes > 0;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** 0 takes what the heap and the file-descriptor limit allow ({@link MemoryBudget#maxConnections()}). */
    public ServerConfig maxConnections(int maxConnections) {
        if (maxConnections < 0) {
            throw new IllegalArgumentException("maxConnections must be positive (or 0: from the memory budget), not "
                                               + maxConnections);
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
            String problem = ClientIds.problem(id, maxClientIdLength);
            if (problem != null) {
                throw new IllegalArgumentException("expectedClientIds: '" + ClientIds.escape(id) + "' is not a valid "
                                                   + "client ID: " + problem);
            }
            set.add(id);
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

    public int maxClientIdLength() {
        return maxClientIdLength;
    }

    /** The longest client ID accepted, in bytes of UTF-8 (see {@link ClientIds#problem}). */
    public ServerConfig maxClientIdLength(int maxClientIdLength) {
        if (maxClientIdLength < 1 || maxClientIdLength > 1000) {
            throw new IllegalArgumentException("maxClientIdLength must be 1-1000, not " + maxClientIdLength);
        }
        this.maxClientIdLength = maxClientIdLength;
        return this;
    }

    /** The longest ID line accepted: a client ID, a colon and a secret. */
    public int maxIdLineLength() {
        return maxClientIdLength + 1 + ClientIds.MAX_SECRET_LENGTH;
    }

    public CredentialStore credentials() {
        return credentials;
    }

    /**
     * Node credentials: a node then proves its client ID with the secret after it in its ID line
     * ({@code kitchen:<secret>}); null for none.
     */
    public ServerConfig credentials(CredentialStore credentials) {
        this.credentials = credentials;
        return this;
    }

    public boolean anonymousClients() {
        return anonymousClients;
    }

    /**
     * With credentials: whether a node whose client ID has no credential may connect without a secret (its ID is then
     * not protected); a client ID that has one always needs its secret.
     */
    public ServerConfig anonymousClients(boolean anonymousClients) {
        this.anonymousClients = anonymousClients;
        return this;
    }

    public List<Cidr> allowedAddresses() {
        return allowedAddresses;
    }

    /** The address blocks nodes may connect from; empty for any. */
    public ServerConfig allowedAddresses(List<Cidr> allowedAddresses) {
        this.allowedAddresses = List.copyOf(allowedAddresses);
        return this;
    }

    public int maxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    /** Connections open at once from one source address; 0 for no limit. */
    public ServerConfig maxConnectionsPerAddress(int n) {
        this.maxConnectionsPerAddress = nonNegative("maxConnectionsPerAddress", n);
        return this;
    }

    public int maxConnectionRatePerAddress() {
        return maxConnectionRatePerAddress;
    }

    /** New connections per second from one source address (with bursts of as many); 0 for no limit. */
    public ServerConfig maxConnectionRatePerAddress(int n) {
        this.maxConnectionRatePerAddress = nonNegative("maxConnectionRatePerAddress", n);
        return this;
    }

    /** Connections kept for recognised nodes: unrecognised ones are refused once the rest is in use. */
    public int reservedConnections() {
        return reservedConnections >= 0 ? reservedConnections : Math.max(1, maxConnections() / 10);
    }

    /** -1 (the default) keeps a tenth of maxConnections. */
    public ServerConfig reservedConnections(int n) {
        if (n < -1) {
            throw new IllegalArgumentException("reservedConnections must be -1 or more, not " + n);
        }
        this.reservedConnections = n;
        return this;
    }

    public long unknownClientTimeoutMs() {
        return unknownClientTimeoutMs;
    }

    /**
     * How long a connection of an unrecognised node (no credential, not expected) may stay, where the gateway knows
     * its nodes (credentials or expectedClientIds); 0 for ever.
     */
    public ServerConfig unknownClientTimeoutMs(long ms) {
        this.unknownClientTimeoutMs = nonNegative("unknownClientTimeout", ms);
        return this;
    }

    public int maxInflightMessages() {
        return maxInflightMessages;
    }

    /** Node messages waiting for or in the routes, over all nodes, above which the gateway stops reading. */
    public ServerConfig maxInflightMessages(int n) {
        if (n < 1 || n > MAX_INFLIGHT_MESSAGES) {
            throw new IllegalArgumentException("maxInflightMessages must be between 1 and " + MAX_INFLIGHT_MESSAGES
                                               + ", not " + n);
        }
        this.maxInflightMessages = n;
        return this;
    }

    public long maxInflightBytes() {
        return maxInflightBytes > 0 ? maxInflightBytes : budget().inflightBytes();
    }

    /** The same in bytes of payload; 0 takes a sixteenth of the heap, 1-64 MiB ({@link MemoryBudget}). */
    public ServerConfig maxInflightBytes(long n) {
        if (n != 0 && (n < 1024 || n > MAX_INFLIGHT_BYTES)) {
            throw new IllegalArgumentException("maxInflightBytes must be between 1024 and " + MAX_INFLIGHT_BYTES
                                               + " (1 TiB), or 0 (from the memory budget), not " + n);
        }
        this.maxInflightBytes = n;
        return this;
    }

    public int maxQueuedPerNode() {
        return maxQueuedPerNode;
    }

    /** Messages to one node that may wait to be sent or acknowledged; a send beyond fails at once. */
    public ServerConfig maxQueuedPerNode(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxQueuedPerNode must be positive, not " + n);
        }
        this.maxQueuedPerNode = n;
        return this;
    }

    public long sessionExpiryMs() {
        return sessionExpiryMs;
    }

    /** How long the gateway remembers a node that is gone and has nothing pending; 0 for ever. */
    public ServerConfig sessionExpiryMs(long ms) {
        this.sessionExpiryMs = nonNegative("sessionExpiry", ms);
        return this;
    }

    public int maxSessions() {
        return maxSessions > 0 ? maxSessions : budget().maxSessions();
    }

    /**
     * The most nodes remembered at once: beyond, the one gone longest (with nothing pending) is forgotten first; 0
     * takes what the heap allows ({@link MemoryBudget#maxSessions()}).
     */
    public ServerConfig maxSessions(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("maxSessions must be positive (or 0: from the memory budget), not " + n);
        }
        this.maxSessions = n;
        return this;
    }

    /** The listen backlog: connections the operating system queues before they are accepted. */
    public int backlog() {
        return backlog > 0 ? backlog : io.netty.util.NetUtil.SOMAXCONN;
    }

    /** 0 (the default) takes the operating system's limit ({@code net.core.somaxconn} on Linux). */
    public ServerConfig backlog(int backlog) {
        this.backlog = nonNegative("backlog", backlog);
        return this;
    }

    private static int nonNegative(String name, int n) {
        if (n < 0) {
            throw new IllegalArgumentException(name + " must not be negative, not " + n);
        }
        return n;
    }

    private static long nonNegative(String name, long n) {
        if (n < 0) {
            throw new IllegalArgumentException(name + " must not be negative, not " + n);
        }
        return n;
    }

    /** True if the gateway can tell its nodes from others: by credentials or a list of expected client IDs. */
    public boolean knowsItsNodes() {
        return credentials != null || !expectedClientIds.isEmpty();
    }

    /** Checks settings that depend on each other. */
    public ServerConfig validate() {
        if (rejectUnknownClients && expectedClientIds.isEmpty()) {
            throw new IllegalArgumentException(
                    "rejectUnknownClients=true needs expectedClientIds: otherwise every node would be refused");
        }
        if (reservedConnections >= maxConnections()) {
            throw new IllegalArgumentException("reservedConnections (" + reservedConnections + ") must be less than "
                                               + "maxConnections (" + maxConnections() + ")");
        }
        return this;
    }

    /** True if {@code id} may ever connect: a valid ID, not refused by L18, not lacking required credentials. */
    public boolean admits(String id) {
        return whyNotAdmitted(id) == null;
    }

    /** Why {@code id} can never connect, or null if it can. */
    public String whyNotAdmitted(String id) {
        String problem = ClientIds.problem(id, maxClientIdLength);
        if (problem != null) {
            return "'" + ClientIds.escape(id) + "' is not a valid client ID: " + problem;
        }
        return whyValidIdNotAdmitted(id);
    }

    /**
     * As {@link #whyNotAdmitted}, for an ID known to be valid (that of a session, which was checked when it was made):
     * the rules that can change while the gateway runs (credentials), not the ID's form, which cannot.
     */
    String whyValidIdNotAdmitted(String id) {
        if (rejectUnknownClients && !expectedClientIds.contains(id)) {
            return "node '" + id + "' is not in expectedClientIds and rejectUnknownClients is set";
        }
        if (credentials != null && !anonymousClients && credentials.find(id) == null) {
            return "node '" + id + "' has no credentials and anonymousClients is off";
        }
        return null;
    }

    private List<Object> key() {
        return java.util.Arrays.asList(host, port, timeoutMs, maxLineLength, handshakeTimeoutMs, maxConnections,
                writeDelayMs, expectedClientIds, rejectUnknownClients, duplicateClientPolicy, maxClientIdLength,
                credentials == null ? null : new Identity(credentials), anonymousClients, allowedAddresses,
                maxConnectionsPerAddress, maxConnectionRatePerAddress, reservedConnections, unknownClientTimeoutMs,
                maxInflightMessages, maxInflightBytes, maxQueuedPerNode, sessionExpiryMs, maxSessions, backlog);
    }

    /** Compares a store by its own equals (a file of credentials by its path, others by identity). */
    private record Identity(Object o) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Identity && ((Identity) other).o.equals(o);
        }

        @Override
        public int hashCode() {
            return o.hashCode();
        }
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
               + duplicateClientPolicy + ", maxClientIdLength=" + maxClientIdLength + ", credentials=" + credentials
               + ", anonymousClients=" + anonymousClients + ", allowedAddresses=" + allowedAddresses
               + ", maxConnectionsPerAddress=" + maxConnectionsPerAddress + ", maxConnectionRatePerAddress="
               + maxConnectionRatePerAddress + ", reservedConnections=" + reservedConnections()
               + ", unknownClientTimeout=" + unknownClientTimeoutMs + ", maxInflightMessages=" + maxInflightMessages
               + ", maxInflightBytes=" + maxInflightBytes + ", maxQueuedPerNode=" + maxQueuedPerNode
               + ", sessionExpiry=" + sessionExpiryMs + ", maxSessions=" + maxSessions + "]";
    }
}
