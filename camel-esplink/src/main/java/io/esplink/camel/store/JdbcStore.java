package io.esplink.camel.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.esplink.camel.EspLinkConstants;
import io.esplink.camel.EspLinkEvent;
import io.esplink.camel.EspLinkMessage;
import io.esplink.core.StoredTail;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node messages and connection events in two tables of any JDBC database (the SQL runs on H2 and PostgreSQL):
 * <pre>
 * esplink_message (id, received_at, client_id, message_id, payload)
 * esplink_event   (id, at, client_id, event, reason, remote_address, connect_count)
 * </pre>
 * {@link #store} inserts one row in its own transaction and returns after the commit, and a commit means on disk:
 * <ul>
 * <li>PostgreSQL (and other servers) sync a commit themselves with their defaults ({@code synchronous_commit=on},
 * {@code fsync=on}); do not turn those off.</li>
 * <li>H2 does not: on its defaults a commit returns before anything is written (a background thread writes every
 * 500 ms), and even with {@code WRITE_DELAY 0} it is only written to the operating system, never synced. On an H2
 * database kept in files this store therefore runs {@code CHECKPOINT SYNC} after every commit (which writes what
 * was committed and syncs the file), or {@code CHECKPOINT} (written, not synced) with
 * {@link #setSyncOnCommit syncOnCommit} false. It leaves {@code WRITE_DELAY} alone, since with 0 H2 stops its
 * background thread, which also compacts the file, and sets {@code RETENTION_TIME 1000} (a persistent setting): H2
 * keeps the space of old versions for 45 s by default, which with a commit per message grows the file by gigabytes
 * under load. Both need H2's admin rights (user {@code sa} by default).</li>
 * </ul>
 * As a window store it reads a node's latest rows back, so a restarted gateway does not insert a resend twice.
 * <p>
 * It also answers what applications ask of the stored history ({@link #messageCounts()}, {@link #latestMessages},
 * {@link #eventClientIds()}, {@link #isKnown}); those reads throw the driver's {@link SQLException} as it is.
 */
public class JdbcStore implements MessageStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    static final int TAIL_ROWS = 256;
    /** How long H2 keeps the space of old versions of its data (its default, 45 s, is for unsynced commits). */
    static final int H2_RETENTION_MS = 1000;

    private DataSource dataSource;
    private String messageTable = "esplink_message";
    private String eventTable = "esplink_event";
    private String probeTable = "esplink_probe";
    private boolean createSchema = true;
    private boolean syncOnCommit = true;
    private String url;
    /** Run after each commit to sync it, when the database does not (H2); null for none. */
    private volatile String syncStatement;

    public JdbcStore() {
    }

    public JdbcStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource getDataSource() {
        return dataSource;
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public String getMessageTable() {
        return messageTable;
    }

    public void setMessageTable(String messageTable) {
        this.messageTable = name(messageTable);
    }

    public String getEventTable() {
        return eventTable;
    }

    public void setEventTable(String eventTable) {
        this.eventTable = name(eventTable);
    }

    public String getProbeTable() {
        return probeTable;
    }

    /** A table of one row that {@link #probe()} writes to. */
    public void setProbeTable(String probeTable) {
        this.probeTable = name(probeTable);
    }

    public boolean isCreateSchema() {
        return createSchema;
    }

    /** Whether {@link #start()} creates the tables and indexes that are missing (default true). */
    public void setCreateSchema(boolean createSchema) {
        this.createSchema = createSchema;
    }

    public boolean isSyncOnCommit() {
        return syncOnCommit;
    }

    /**
     * On an H2 database in files: whether every commit is synced to disk ({@code CHECKPOINT SYNC}), so that an
     * acknowledged message survives a power cut; false writes it to the operating system only ({@code CHECKPOINT}),
     * which survives a crash of the gateway but not of the machine, at a lower cost. Other databases sync commits
     * themselves.
     */
    public void setSyncOnCommit(boolean syncOnCommit) {
        this.syncOnCommit = syncOnCommit;
    }

    /**
     * Creates what is missing of the schema, makes an H2 file database write every commit at once, and checks that a
     * row can be written: fails naming the database and the cause.
     */
    public void start() throws StoreUnavailableException {
        if (dataSource == null) {
            throw new IllegalStateException("JdbcStore: no dataSource set");
        }
        try {
            open();
            probe();
        } catch (SQLException e) {
            throw new StoreUnavailableException(e.getMessage(), e);
        }
        LOG.debug("JDBC store on {}{}", url, syncStatement != null ? " (" + syncStatement + " after each commit)" : "");
    }

    private void open() throws SQLException {
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            throw failure("cannot connect", e);
        }
        try (c) {
            url = c.getMetaData().getURL();
            syncStatement = null;
            if (isH2Files(c)) {
                try (Statement st = c.createStatement()) {
                    st.execute("SET RETENTION_TIME " + H2_RETENTION_MS);
                    // on H2's defaults a commit returns before anything is written: this writes (and syncs) it
                    syncStatement = syncOnCommit ? "CHECKPOINT SYNC" : "CHECKPOINT";
                    st.execute(syncStatement);
                } catch (SQLException e) {
                    throw failure("cannot make H2 write each commit at once (SET RETENTION_TIME and CHECKPOINT "
                                  + "need admin rights)", e);
                }
            }
            if (createSchema) {
                try (Statement st = c.createStatement()) {
                    for (String ddl : schema()) {
                        st.execute(ddl);
                    }
                    if (!c.getAutoCommit()) {
                        c.commit();
                    }
                } catch (SQLException e) {
                    throw failure("cannot create the tables", e);
                }
            }
        }
    }

    private static boolean isH2Files(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName();
        String u = c.getMetaData().getURL();
        return "H2".equals(product) && u != null && !u.startsWith("jdbc:h2:mem:");
    }

    /** Commits, and syncs the commit where the database does not. */
    private void commit(Connection c, boolean synced) throws SQLException {
        c.commit();
        String sync = synced ? syncStatement : null;
        if (sync != null) {
            try (Statement st = c.createStatement()) {
                st.execute(sync);
            }
        }
    }

    /** The statements that create the tables and indexes where missing. */
    public List<String> schema() {
        return List.of(
                "CREATE TABLE IF NOT EXISTS " + messageTable + " (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                       + "PRIMARY KEY, received_at TIMESTAMP WITH TIME ZONE NOT NULL, client_id VARCHAR(1000) NOT NULL, "
                       + "message_id INT NOT NULL, payload VARCHAR(1000000) NOT NULL)",
                "CREATE INDEX IF NOT EXISTS " + messageTable + "_by_client ON " + messageTable + " (client_id, id)",
                "CREATE TABLE IF NOT EXISTS " + eventTable + " (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                       + "PRIMARY KEY, at TIMESTAMP WITH TIME ZONE NOT NULL, client_id VARCHAR(1000) NOT NULL, "
                       + "event VARCHAR(16) NOT NULL, reason VARCHAR(1000), remote_address VARCHAR(100), "
                       + "connect_count INT)",
                "CREATE INDEX IF NOT EXISTS " + eventTable + "_by_client ON " + eventTable + " (client_id, id)",
                "CREATE TABLE IF NOT EXISTS " + probeTable + " (id INT PRIMARY KEY, at TIMESTAMP WITH TIME ZONE "
                       + "NOT NULL)");
    }

    @Override
    public String location() {
        if (url != null) {
            return url;
        }
        // before a first connection: the URL the data source is configured with, if it tells (DBCP, H2, Hikari...)
        for (String getter : List.of("getUrl", "getURL", "getJdbcUrl")) {
            try {
                Object u = dataSource.getClass().getMethod(getter).invoke(dataSource);
                if (u != null) {
                    return u.toString();
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not this getter
            }
        }
        return String.valueOf(dataSource);
    }

    @Override
    public void store(Exchange exchange) throws SQLException {
        Message in = exchange.getMessage();
        if (in.getBody() instanceof List<?> events && !events.isEmpty() && events.get(0) instanceof EspLinkEvent) {
            storeEvents(events); // a batch of connection events (batchEvents)
            return;
        }
        if (in.getBody() instanceof List<?> batch) {
            storeMessages(batch);
            return;
        }
        String event = in.getHeader(EspLinkConstants.EVENT, String.class);
        Long ts = in.getHeader(EspLinkConstants.MESSAGE_TIMESTAMP, Long.class);
        long at = ts != null ? ts : exchange.getClock().getCreated();
        String clientId = in.getHeader(EspLinkConstants.CLIENT_ID, String.class);
        if (event == null) {
            Integer mid = in.getHeader(EspLinkConstants.MESSAGE_ID, Integer.class);
            storeMessages(List.of(new EspLinkMessage(clientId, mid == null ? 0 : mid, in.getBody(String.class), at,
                    0, null)));
            return;
        }
        // an event is acknowledged to no one: committed without a sync of its own (H2: written by the next message
        // commit's CHECKPOINT SYNC, or by H2 within about a second); a storm of connects is not a sync each
        inTransaction(false, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + eventTable + " (at, client_id, event, "
                                                           + "reason, remote_address, connect_count) VALUES (?, ?, ?, "
                                                           + "?, ?, ?)")) {
                ps.setObject(1, utc(at));
                ps.setString(2, clientId);
                ps.setString(3, event);
                ps.setString(4, in.getHeader(EspLinkConstants.EVENT_REASON, String.class));
                ps.setString(5, in.getHeader(EspLinkConstants.REMOTE_ADDRESS, String.class));
                Integer count = in.getHeader(EspLinkConstants.CONNECT_COUNT, Integer.class);
                if (count == null) {
                    ps.setNull(6, java.sql.Types.INTEGER);
                } else {
                    ps.setInt(6, count);
                }
                ps.executeUpdate();
            }
        });
    }

    /**
     * Inserts node messages (a batch: {@link EspLinkMessage}s) in one transaction, as one JDBC batch, and returns
     * after the commit (synced where the database does not sync commits itself): all of them or none.
     */
    public void storeMessages(List<?> messages) throws SQLException {
        if (messages.isEmpty()) {
            return;
        }
        inTransaction(true, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + messageTable + " (received_at, client_id, "
                                                           + "message_id, payload) VALUES (?, ?, ?, ?)")) {
                for (Object o : messages) {
                    if (!(o instanceof EspLinkMessage m)) {
                        throw new IllegalArgumentException("JdbcStore: a batch holds EspLinkMessage, not " + o);
                    }
                    ps.setObject(1, utc(m.receivedAt()));
                    ps.setString(2, m.clientId());
                    ps.setInt(3, m.messageId());
                    ps.setString(4, m.payload());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    @FunctionalInterface
    private interface Work {
        void run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in one transaction, committed (and synced if {@code sync}) or rolled back. */
    private void inTransaction(boolean sync, Work work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            if (auto) {
                c.setAutoCommit(false);
            }
            try {
                work.run(c);
                commit(c, sync);
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            } finally {
                if (auto) {
                    c.setAutoCommit(true);
                }
            }
        } catch (SQLException e) {
            throw failure("cannot store", e);
        }
    }

    @Override
    public StoredTail load(String clientId) throws SQLException {
        List<Integer> newestFirst = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT message_id FROM " + messageTable
                                                           + " WHERE client_id = ? ORDER BY id DESC")) {
                ps.setMaxRows(TAIL_ROWS);
                ps.setFetchSize(TAIL_ROWS);
                ps.setString(1, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        newestFirst.add(rs.getInt(1));
                    }
                }
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
        } catch (SQLException e) {
            throw failure("cannot read the latest messages of a node", e);
        }
        int[] ids = new int[newestFirst.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = newestFirst.get(ids.length - 1 - i);
        }
        return StoredTail.of(ids);
    }

    /** How many messages of one node are stored, and when the newest of them was received. */
    public record MessageCount(String clientId, long messages, Instant lastReceivedAt) {
    }

    /** One stored node message. */
    public record StoredMessage(Instant receivedAt, int messageId, String payload) {
    }

    /** Per node with stored messages: their number and the newest one's reception time, by client ID. */
    public List<MessageCount> messageCounts() throws SQLException {
        List<MessageCount> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT client_id, COUNT(*), MAX(received_at) FROM " + messageTable
                                                       + " GROUP BY client_id ORDER BY client_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new MessageCount(rs.getString(1), rs.getLong(2), instant(rs, 3)));
            }
        }
        return out;
    }

    /** The latest {@code limit} (at least 1) stored messages of a node, newest first; empty for an unknown node. */
    public List<StoredMessage> latestMessages(String clientId, int limit) throws SQLException {
        Objects.requireNonNull(clientId, "clientId");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, not " + limit);
        }
        List<StoredMessage> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT received_at, message_id, payload FROM " + messageTable
                                                       + " WHERE client_id = ? ORDER BY id DESC LIMIT ?")) {
            ps.setString(1, clientId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredMessage(instant(rs, 1), rs.getInt(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    /** The client IDs that have connection events stored, sorted. */
    public List<String> eventClientIds() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT DISTINCT client_id FROM " + eventTable
                                                       + " ORDER BY client_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Whether any message or connection event of the node is stored. */
    public boolean isKnown(String clientId) throws SQLException {
        Objects.requireNonNull(clientId, "clientId");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + messageTable + " WHERE client_id = ? UNION "
                                                       + "SELECT 1 FROM " + eventTable + " WHERE client_id = ?")) {
            ps.setString(1, clientId);
            ps.setString(2, clientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Inserts connection events (a batch: {@link EspLinkEvent}s) in one transaction, as one JDBC batch: all of them or
     * none. Like a single event, acknowledged to no one, so committed without a sync of its own (H2: written by the
     * next message commit's sync, or by H2 within about a second): a storm of connects is a few commits, not a sync
     * each.
     */
    public void storeEvents(List<?> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        inTransaction(false, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + eventTable + " (at, client_id, event, "
                                                           + "reason, remote_address, connect_count) VALUES (?, ?, ?, "
                                                           + "?, ?, ?)")) {
                for (Object o : events) {
                    if (!(o instanceof EspLinkEvent e)) {
                        throw new IllegalArgumentException("JdbcStore: a batch of events holds EspLinkEvent, not " + o);
                    }
                    ps.setObject(1, utc(e.at()));
                    ps.setString(2, e.clientId());
                    ps.setString(3, e.event());
                    ps.setString(4, e.reason());
                    ps.setString(5, e.remoteAddress());
                    ps.setInt(6, e.connectCount());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    @Override
    public void probe() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            if (auto) {
                c.setAutoCommit(false);
            }
            try {
                OffsetDateTime now = utc(System.currentTimeMillis());
                int n;
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + probeTable + " SET at = ? WHERE id = 1")) {
                    ps.setObject(1, now);
                    n = ps.executeUpdate();
                }
                if (n == 0) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + probeTable
                                                                   + " (id, at) VALUES (1, ?)")) {
                        ps.setObject(1, now);
                        ps.executeUpdate();
                    }
                }
                commit(c, true);
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            } finally {
                if (auto) {
                    c.setAutoCommit(true);
                }
            }
        } catch (SQLException e) {
            throw failure("cannot write", e);
        }
    }

    private static OffsetDateTime utc(long epochMs) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            e.getClass(); // the connection is broken: the pool's validation drops it
        }
    }

    /** {@code e} with a message that names the database and what failed, unless it has one already. */
    private SQLException failure(String what, SQLException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("Database ")) {
            return e;
        }
        String message = e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // the database's message may wrap the cause without its words (H2: "Writing to ... failed"): name it
        if (root != e && root.getMessage() != null && (message == null || !message.contains(root.getMessage()))) {
            message = (message == null ? root.getClass().getSimpleName() : message) + " (cause: " + root.getMessage()
                      + ")";
        }
        return new SQLException("Database " + location() + ": " + what + ": " + message, e.getSQLState(),
                e.getErrorCode(), e);
    }

    private static String name(String table) {
        if (table == null || !NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("Not a plain SQL table name: '" + table + "'");
        }
        return table;
    }

    @Override
    public String toString() {
        return "JdbcStore[" + location() + "]";
    }
}
