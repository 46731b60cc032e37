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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.esplink.camel.EspLinkConstants;
import io.esplink.camel.EspLinkEvent;
import io.esplink.camel.EspLinkMessage;
import io.esplink.core.DuplicateWindow;
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
 * As a window store it tells the component each node's duplicate window (L10), so a restarted gateway does not insert a
 * resend twice. Where it takes the window from ({@link #setWindowInMemory windowInMemory}):
 * <ul>
 * <li><b>in memory</b> (the default on an embedded H2 database, which one process alone can open): the store follows
 * every node's window as it commits rows, and writes the windows of the nodes that changed to a third table every few
 * seconds ({@link #setSnapshotIntervalMs snapshotIntervalMs}) with the highest message row they cover:
 * <pre>
 * esplink_window (client_id, window_bits, last_row_id, message_count, last_received_at)
 * </pre>
 * At start it reads that table and replays the message rows after the row it covers, by primary key: the window is
 * the one all committed rows leave, exactly, whatever the crash. The message table then needs no index by node, whose
 * upkeep is most of what a batch costs H2 (a page per node per commit). It assumes that this store is the only writer
 * of its message table: give each gateway its own tables (or its own database).</li>
 * <li><b>from the table</b> (the default elsewhere: PostgreSQL and other servers, which several gateways may share): the
 * store reads a node's latest rows back, through the index {@code esplink_message_by_client (client_id, id)}, the
 * first time the node's message comes after a start.</li>
 * </ul>
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
    private Boolean windowInMemory;
    private String windowTable = "esplink_window";
    private long snapshotIntervalMs = 5000;
    /** The windows kept in memory, by client ID (guarded by itself); null when they are read from the table. */
    private volatile Map<String, NodeWindow> windows;
    /** With windows in memory: one message transaction at a time, so that the rows apply in the order of their IDs. */
    private final ReentrantLock writes = new ReentrantLock();
    /** Nodes whose window changed since the last snapshot (guarded by {@link #writes}). */
    private final Set<String> dirty = new LinkedHashSet<>();
    private boolean markInTable;
    private long lastSnapshotAt;
    private volatile String snapshotFailure;
    /** In {@link #stop()}: a failure is no news (the data source may be closed first), the next start replays. */
    private boolean stopping;

    /** One node's state, kept in memory: the window of all its committed rows and what the API reads of them. */
    private static final class NodeWindow {
        final DuplicateWindow window;
        /** The ID of the node's newest row; {@link Long#MAX_VALUE} once a driver did not tell a row's ID. */
        long lastRowId;
        long count;
        long lastReceivedAt;
        boolean inTable;

        NodeWindow(DuplicateWindow window) {
            this.window = window;
        }
    }

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

    /** 0 (the default): from the heap ({@link io.esplink.core.MemoryBudget#h2CacheKb()}); -1: H2's own. */
    private long h2CacheKb;

    public long getH2CacheKb() {
        return h2CacheKb;
    }

    /**
     * On an H2 database in files: its page cache in KiB (H2's CACHE_SIZE, not persistent); 0 (the default) takes a
     * sixteenth of the heap, 2 to 64 MiB; -1 leaves H2's setting alone.
     */
    public void setH2CacheKb(long h2CacheKb) {
        this.h2CacheKb = h2CacheKb;
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

    public Boolean getWindowInMemory() {
        return windowInMemory;
    }

    /**
     * Whether the store keeps each node's duplicate window in memory, written to the window table every
     * {@link #setSnapshotIntervalMs snapshotIntervalMs} and rebuilt at start from it and the rows after it (true), or
     * reads it from the message table through an index by node (false). Unset (null, the default): in memory on an
     * embedded H2 database (a file or memory URL without {@code AUTO_SERVER}: no other process can write it), from the
     * table elsewhere. In memory assumes this store is the only writer of its message table.
     */
    public void setWindowInMemory(Boolean windowInMemory) {
        this.windowInMemory = windowInMemory;
    }

    /** After {@link #start()}: whether the windows are kept in memory. */
    public boolean isWindowsInMemory() {
        return windows != null;
    }

    public String getWindowTable() {
        return windowTable;
    }

    /** The table the windows kept in memory are written to (default {@code esplink_window}). */
    public void setWindowTable(String windowTable) {
        this.windowTable = name(windowTable);
    }

    public long getSnapshotIntervalMs() {
        return snapshotIntervalMs;
    }

    /**
     * With windows in memory: how often at most the windows that changed are written to the window table, after a
     * message commit (default 5000 ms; 100 to 3,600,000). A longer interval writes less and leaves more rows to replay
     * at start (at most what arrived within it).
     */
    public void setSnapshotIntervalMs(long snapshotIntervalMs) {
        if (snapshotIntervalMs < 100 || snapshotIntervalMs > 3_600_000) {
            throw new IllegalArgumentException("snapshotIntervalMs must be 100 to 3600000, not " + snapshotIntervalMs);
        }
        this.snapshotIntervalMs = snapshotIntervalMs;
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
                    if (h2CacheKb != 0) {
                        // H2 takes a sixteenth of the heap itself, but without a ceiling; -1 leaves H2's own
                        st.execute("SET CACHE_SIZE " + (h2CacheKb > 0 ? h2CacheKb
                                : io.esplink.core.MemoryBudget.machine().h2CacheKb()));
                    }
                    // on H2's defaults a commit returns before anything is written: this writes (and syncs) it
                    syncStatement = syncOnCommit ? "CHECKPOINT SYNC" : "CHECKPOINT";
                    st.execute(syncStatement);
                } catch (SQLException e) {
                    throw failure("cannot make H2 write each commit at once (SET RETENTION_TIME and CHECKPOINT "
                                  + "need admin rights)", e);
                }
            }
            boolean inMemory = windowInMemory != null ? windowInMemory : isH2Embedded(c);
            if (createSchema) {
                try (Statement st = c.createStatement()) {
                    for (String ddl : schema(inMemory)) {
                        st.execute(ddl);
                    }
                    if (!c.getAutoCommit()) {
                        c.commit();
                    }
                } catch (SQLException e) {
                    throw failure("cannot create the tables", e);
                }
            }
            windows = null;
            if (inMemory) {
                try {
                    recall(c);
                } catch (SQLException e) {
                    throw failure("cannot read the nodes' windows back", e);
                }
            }
        }
    }

    /** An H2 database that only this process can open: in files or in memory, without a server mode. */
    private static boolean isH2Embedded(Connection c) throws SQLException {
        if (!"H2".equals(c.getMetaData().getDatabaseProductName())) {
            return false;
        }
        String u = c.getMetaData().getURL();
        if (u == null) {
            return false;
        }
        String lower = u.toLowerCase(Locale.ROOT);
        return !lower.startsWith("jdbc:h2:tcp:") && !lower.startsWith("jdbc:h2:ssl:")
               && !lower.replace(" ", "").contains("auto_server=true");
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

    /** The statements that create the tables and indexes where missing, with the windows read from the table. */
    public List<String> schema() {
        return schema(false);
    }

    /**
     * The statements that create the tables and indexes where missing. With the windows in memory, the message table
     * has no index by node (an index this store made before is dropped) and the window table is created.
     */
    public List<String> schema(boolean windowsInMemory) {
        String byClient = messageTable + "_by_client";
        List<String> ddl = new ArrayList<>();
        ddl.add("CREATE TABLE IF NOT EXISTS " + messageTable + " (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                + "PRIMARY KEY, received_at TIMESTAMP WITH TIME ZONE NOT NULL, client_id VARCHAR(1000) NOT NULL, "
                + "message_id INT NOT NULL, payload VARCHAR(1000000) NOT NULL)");
        if (windowsInMemory) {
            ddl.add("DROP INDEX IF EXISTS " + byClient);
            ddl.add("CREATE TABLE IF NOT EXISTS " + windowTable + " (client_id VARCHAR(1000) PRIMARY KEY, "
                    + "window_bits VARCHAR(64) NOT NULL, last_row_id BIGINT NOT NULL, message_count BIGINT NOT NULL, "
                    + "last_received_at TIMESTAMP WITH TIME ZONE)");
        } else {
            ddl.add("CREATE INDEX IF NOT EXISTS " + byClient + " ON " + messageTable + " (client_id, id)");
        }
        ddl.addAll(List.of(
                "CREATE TABLE IF NOT EXISTS " + eventTable + " (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                       + "PRIMARY KEY, at TIMESTAMP WITH TIME ZONE NOT NULL, client_id VARCHAR(1000) NOT NULL, "
                       + "event VARCHAR(16) NOT NULL, reason VARCHAR(1000), remote_address VARCHAR(100), "
                       + "connect_count INT)",
                "CREATE INDEX IF NOT EXISTS " + eventTable + "_by_client ON " + eventTable + " (client_id, id)",
                "CREATE TABLE IF NOT EXISTS " + probeTable + " (id INT PRIMARY KEY, at TIMESTAMP WITH TIME ZONE "
                       + "NOT NULL)"));
        return List.copyOf(ddl);
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
            try (PreparedStatement ps = c.prepareStatement(insertEvent())) {
                setEvent(ps, at, clientId, event, in.getHeader(EspLinkConstants.EVENT_REASON, String.class),
                        in.getHeader(EspLinkConstants.REMOTE_ADDRESS, String.class),
                        in.getHeader(EspLinkConstants.CONNECT_COUNT, Integer.class));
                ps.executeUpdate();
            }
        });
    }

    private String insertEvent() {
        return "INSERT INTO " + eventTable + " (at, client_id, event, reason, remote_address, connect_count) VALUES "
               + "(?, ?, ?, ?, ?, ?)";
    }

    private static void setEvent(PreparedStatement ps, long at, String clientId, String event, String reason,
                                 String remoteAddress, Integer connectCount) throws SQLException {
        ps.setObject(1, utc(at));
        ps.setString(2, clientId);
        ps.setString(3, event);
        ps.setString(4, reason);
        ps.setString(5, remoteAddress);
        if (connectCount == null) {
            ps.setNull(6, java.sql.Types.INTEGER);
        } else {
            ps.setInt(6, connectCount);
        }
    }

    /**
     * Inserts node messages (a batch: {@link EspLinkMessage}s) in one transaction, as one JDBC batch, and returns
     * after the commit (synced where the database does not sync commits itself): all of them or none. With the
     * windows in memory, one batch at a time, and each committed row moves its node's window.
     */
    public void storeMessages(List<?> messages) throws SQLException {
        if (messages.isEmpty()) {
            return;
        }
        List<EspLinkMessage> batch = new ArrayList<>(messages.size());
        for (Object o : messages) {
            if (!(o instanceof EspLinkMessage m)) {
                throw new IllegalArgumentException("JdbcStore: a batch holds EspLinkMessage, not " + o);
            }
            batch.add(m);
        }
        Map<String, NodeWindow> w = windows;
        if (w == null) {
            inTransaction(true, c -> insert(c, batch, null));
            return;
        }
        writes.lock();
        try {
            long[] rowIds = new long[batch.size()];
            // applied once committed, even if the sync after the commit fails: the rows are in the table
            inTransaction(true, c -> insert(c, batch, rowIds), () -> apply(w, batch, rowIds));
            if (System.currentTimeMillis() - lastSnapshotAt >= snapshotIntervalMs) {
                snapshot(w);
            }
        } finally {
            writes.unlock();
        }
    }

    /** Inserts the batch; fills {@code rowIds} with the rows' IDs where given (0 where the driver does not tell). */
    private void insert(Connection c, List<EspLinkMessage> batch, long[] rowIds) throws SQLException {
        String sql = "INSERT INTO " + messageTable + " (received_at, client_id, message_id, payload) VALUES (?, ?, ?, ?)";
        String idColumn = c.getMetaData().storesUpperCaseIdentifiers() ? "ID" : "id";
        try (PreparedStatement ps = rowIds == null ? c.prepareStatement(sql)
                : c.prepareStatement(sql, new String[] { idColumn })) {
            for (EspLinkMessage m : batch) {
                ps.setObject(1, utc(m.receivedAt()));
                ps.setString(2, m.clientId());
                ps.setInt(3, m.messageId());
                ps.setString(4, m.payload());
                ps.addBatch();
            }
            ps.executeBatch();
            if (rowIds != null) {
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    for (int i = 0; i < rowIds.length && keys.next(); i++) {
                        rowIds[i] = keys.getLong(1);
                    }
                }
            }
        }
    }

    /** Moves the windows by the committed rows, in their order. */
    private void apply(Map<String, NodeWindow> w, List<EspLinkMessage> batch, long[] rowIds) {
        synchronized (w) {
            for (int i = 0; i < batch.size(); i++) {
                EspLinkMessage m = batch.get(i);
                apply(w, m.clientId(), m.messageId(), rowIds[i], m.receivedAt());
            }
        }
    }

    private void apply(Map<String, NodeWindow> w, String clientId, int mid, long rowId, long receivedAt) {
        NodeWindow n = w.computeIfAbsent(clientId, k -> new NodeWindow(new DuplicateWindow()));
        n.window.accept(mid);
        // 0: the driver did not tell the row's ID: unknown from then on (the API's reads of the node are unbounded)
        n.lastRowId = rowId == 0 ? Long.MAX_VALUE : Math.max(n.lastRowId, rowId);
        n.count++;
        n.lastReceivedAt = Math.max(n.lastReceivedAt, receivedAt);
        dirty.add(clientId);
    }

    /**
     * Reads the windows back at start: the window table, then the message rows after the one it covers, in the order
     * of their IDs; writes the windows those rows moved.
     */
    private void recall(Connection c) throws SQLException {
        Map<String, NodeWindow> w = new HashMap<>();
        long covered = 0;
        int nodes = 0;
        long replayed = 0;
        writes.lock();
        try {
            dirty.clear();
            markInTable = false;
            try (PreparedStatement ps = c.prepareStatement("SELECT client_id, window_bits, last_row_id, message_count, "
                                                           + "last_received_at FROM " + windowTable);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String clientId = rs.getString(1);
                    if (clientId.isEmpty()) {
                        // the mark: the highest message row the windows cover
                        covered = rs.getLong(3);
                        markInTable = true;
                        continue;
                    }
                    NodeWindow n = new NodeWindow(DuplicateWindow.fromBytes(HexFormat.of().parseHex(rs.getString(2))));
                    n.lastRowId = rs.getLong(3);
                    n.count = rs.getLong(4);
                    Instant last = instant(rs, 5);
                    n.lastReceivedAt = last == null ? 0 : last.toEpochMilli();
                    n.inTable = true;
                    w.put(clientId, n);
                    nodes++;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id, client_id, message_id, received_at FROM "
                                                           + messageTable + " WHERE id > ? ORDER BY id")) {
                ps.setFetchSize(10_000);
                ps.setLong(1, covered);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Instant at = instant(rs, 4);
                        apply(w, rs.getString(2), rs.getInt(3), rs.getLong(1), at == null ? 0 : at.toEpochMilli());
                        replayed++;
                    }
                }
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
            windows = w;
            LOG.info("{}: the windows of {} node(s) read back from {} (up to message row {}), {} message row(s) after "
                     + "it replayed", location(), nodes, windowTable, covered, replayed);
            lastSnapshotAt = System.currentTimeMillis();
            if (replayed > 0) {
                snapshot(w);
            }
        } finally {
            writes.unlock();
        }
    }

    /**
     * With the windows in memory: writes those that changed since the last snapshot, so that a start after this one
     * has no rows to replay. A bean's destroy method ({@code destroyMethod: stop} in YAML).
     */
    public void stop() {
        Map<String, NodeWindow> w = windows;
        if (w == null) {
            return;
        }
        writes.lock();
        try {
            stopping = true;
            snapshot(w);
        } finally {
            stopping = false;
            writes.unlock();
        }
    }

    /** Writes the windows that changed now (see {@link #stop()}); nothing with the windows read from the table. */
    void writeWindows() {
        Map<String, NodeWindow> w = windows;
        if (w == null) {
            return;
        }
        writes.lock();
        try {
            snapshot(w);
        } finally {
            writes.unlock();
        }
    }

    /**
     * Writes the windows that changed since the last snapshot, and the highest message row they cover, in one
     * transaction without a sync of its own (a snapshot lost in a crash leaves more rows to replay, nothing wrong).
     * Called holding {@link #writes}: every committed row is applied. A failure is logged once; the next commit tries
     * again.
     */
    private void snapshot(Map<String, NodeWindow> w) {
        lastSnapshotAt = System.currentTimeMillis();
        if (dirty.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(dirty);
        List<NodeWindow> states = new ArrayList<>(ids.size());
        List<String> bits = new ArrayList<>(ids.size());
        synchronized (w) {
            for (String id : ids) {
                NodeWindow n = w.get(id);
                states.add(n);
                bits.add(HexFormat.of().formatHex(n.window.toBytes()));
            }
        }
        try {
            inTransaction(false, c -> {
                long covered;
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT MAX(id) FROM " + messageTable)) {
                    covered = rs.next() ? rs.getLong(1) : 0;
                }
                try (PreparedStatement update = c.prepareStatement("UPDATE " + windowTable + " SET window_bits = ?, "
                                                                   + "last_row_id = ?, message_count = ?, "
                                                                   + "last_received_at = ? WHERE client_id = ?");
                     PreparedStatement insert = c.prepareStatement("INSERT INTO " + windowTable + " (window_bits, "
                                                                   + "last_row_id, message_count, last_received_at, "
                                                                   + "client_id) VALUES (?, ?, ?, ?, ?)")) {
                    boolean updates = false;
                    boolean inserts = false;
                    for (int i = 0; i < ids.size(); i++) {
                        NodeWindow n = states.get(i);
                        PreparedStatement ps = n.inTable ? update : insert;
                        ps.setString(1, bits.get(i));
                        ps.setLong(2, n.lastRowId);
                        ps.setLong(3, n.count);
                        ps.setObject(4, n.lastReceivedAt == 0 ? null : utc(n.lastReceivedAt));
                        ps.setString(5, ids.get(i));
                        ps.addBatch();
                        updates |= n.inTable;
                        inserts |= !n.inTable;
                    }
                    if (updates) {
                        update.executeBatch();
                    }
                    if (inserts) {
                        insert.executeBatch();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(markInTable
                        ? "UPDATE " + windowTable + " SET last_row_id = ? WHERE client_id = ''"
                        : "INSERT INTO " + windowTable + " (client_id, window_bits, last_row_id, message_count) "
                          + "VALUES ('', '', ?, 0)")) {
                    ps.setLong(1, covered);
                    ps.executeUpdate();
                }
            }, null);
        } catch (SQLException | RuntimeException e) {
            String why = String.valueOf(e.getMessage());
            if (stopping) {
                LOG.debug("{}: the nodes' windows not written at stop ({}); the next start replays the rows after the "
                          + "last snapshot", location(), why);
                return;
            }
            if (!why.equals(snapshotFailure)) {
                LOG.warn("{}: cannot write the nodes' windows to {} ({}); tried again after the next commit, the "
                         + "rows after the last snapshot are replayed at start meanwhile", location(), windowTable, why);
            }
            snapshotFailure = why;
            return;
        }
        if (snapshotFailure != null) {
            LOG.info("{}: the nodes' windows are written to {} again", location(), windowTable);
            snapshotFailure = null;
        }
        markInTable = true;
        for (NodeWindow n : states) {
            n.inTable = true;
        }
        dirty.clear();
    }

    @FunctionalInterface
    private interface Work {
        void run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in one transaction, committed (and synced if {@code sync}) or rolled back. */
    private void inTransaction(boolean sync, Work work) throws SQLException {
        inTransaction(sync, work, null);
    }

    /**
     * Runs {@code work} in one transaction, committed (and synced if {@code sync}) or rolled back; runs
     * {@code committed}, if not null, between the commit and the sync.
     */
    private void inTransaction(boolean sync, Work work, Runnable committed) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            if (auto) {
                c.setAutoCommit(false);
            }
            boolean done = false;
            try {
                work.run(c);
                c.commit();
                done = true;
                if (committed != null) {
                    committed.run();
                }
                String statement = sync ? syncStatement : null;
                if (statement != null) {
                    try (Statement st = c.createStatement()) {
                        st.execute(statement);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!done) {
                    rollback(c);
                }
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
        Map<String, NodeWindow> w = windows;
        if (w != null) {
            synchronized (w) {
                NodeWindow n = w.get(clientId);
                return n == null ? StoredTail.EMPTY : StoredTail.ofWindow(n.window);
            }
        }
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
        Map<String, NodeWindow> w = windows;
        if (w != null) {
            synchronized (w) {
                w.forEach((id, n) -> out.add(new MessageCount(id, n.count, n.lastReceivedAt == 0 ? null
                        : Instant.ofEpochMilli(n.lastReceivedAt))));
            }
            out.sort(java.util.Comparator.comparing(MessageCount::clientId));
            return out;
        }
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
        // with the windows in memory there is no index by node: the scan back by primary key starts at the node's
        // newest row
        long newest = Long.MAX_VALUE;
        Map<String, NodeWindow> w = windows;
        if (w != null) {
            synchronized (w) {
                NodeWindow n = w.get(clientId);
                if (n == null) {
                    return out;
                }
                newest = n.lastRowId;
            }
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT received_at, message_id, payload FROM " + messageTable
                                                       + " WHERE client_id = ? AND id <= ? ORDER BY id DESC LIMIT ?")) {
            ps.setString(1, clientId);
            ps.setLong(2, newest);
            ps.setInt(3, limit);
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
        Map<String, NodeWindow> w = windows;
        if (w != null) {
            synchronized (w) {
                if (w.containsKey(clientId)) {
                    return true;
                }
            }
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + eventTable + " WHERE client_id = ?")) {
                ps.setString(1, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        }
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
            try (PreparedStatement ps = c.prepareStatement(insertEvent())) {
                for (Object o : events) {
                    if (!(o instanceof EspLinkEvent e)) {
                        throw new IllegalArgumentException("JdbcStore: a batch of events holds EspLinkEvent, not " + o);
                    }
                    setEvent(ps, e.at(), e.clientId(), e.event(), e.reason(), e.remoteAddress(), e.connectCount());
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
