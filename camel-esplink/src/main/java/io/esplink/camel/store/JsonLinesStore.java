package io.esplink.camel.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.camel.EspLinkConstants;
import io.esplink.camel.EspLinkEvent;
import io.esplink.camel.EspLinkMessage;
import io.esplink.camel.EspLinkRecords;
import io.esplink.core.StoredTail;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON lines per node under one directory: {@code messages/<clientId>.jsonl} and {@code events/<clientId>.jsonl}, one
 * {@link EspLinkRecords} record per line, client IDs made safe as file names ({@link EspLinkRecords#safeName}).
 * <p>
 * Durable before it returns, with one sync per call however many nodes it touches: the records of a call (one
 * exchange, or a batch of messages or of events) are first appended to a journal ({@code journal-<n>.log}, a line
 * {@code <file>TAB<record>} each) in one write and synced ({@code fdatasync}; not for connection events alone, which are
 * acknowledged to no one: the next sync or checkpoint makes them durable); then each node's records are appended
 * to its file in one write, without a sync of their own. A checkpoint (every few seconds, or when the journal grows
 * large) syncs the node files written since the last one and deletes the journals they cover. At start, the journals
 * left by a crash are replayed: each node file gets the records it lacks, once (a file that ends with some of them
 * gets only the rest), and a torn last line (written in part, never synced, so never acknowledged) is cut off first.
 * Files and directories made for a node are synced into their parent directory.
 * <p>
 * As a window store it reads the node's latest records back from the end of its messages file.
 */
public class JsonLinesStore implements MessageStore {

    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MESSAGES = "messages";
    static final String EVENTS = "events";
    /** Records read back per node, at most: enough for the duplicate window (L10). */
    static final int TAIL_RECORDS = 256;
    /** Bytes read back from the end of a file, at most, to find them. */
    static final long TAIL_BYTES = 64L << 20;
    private static final int CHUNK = 64 * 1024;

    private Path directory;
    /** Files this store has made sure of since it started (directories exist, no torn last line). */
    private final Set<Path> prepared = ConcurrentHashMap.newKeySet();
    private final Object[] locks = new Object[64];
    /** Guards the journal: one write and one sync per call, in the order of the calls. */
    private final Object journalLock = new Object();
    /** The journal written to now (opened for each write, so that no file stays open between writes). */
    private Path journal;
    private long journalNumber;
    private long journalBytes;
    private long checkpointAt;
    /** Node files written since the last checkpoint: synced by the next one. */
    private Set<Path> dirty = ConcurrentHashMap.newKeySet();
    private long checkpointEveryMs = 5000;
    private long checkpointBytes = 64L << 20;
    private java.util.concurrent.ScheduledExecutorService checkpointer;

    public JsonLinesStore() {
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    public JsonLinesStore(String directory) {
        this();
        setDirectory(directory);
    }

    public String getDirectory() {
        return directory == null ? null : directory.toString();
    }

    /** The directory under which {@code messages/} and {@code events/} are kept; made if missing. */
    public void setDirectory(String directory) {
        this.directory = Path.of(directory).toAbsolutePath().normalize();
    }

    /**
     * Makes the directories, replays the journals a crash left, and checks that a record can be written: fails naming
     * the directory and the cause.
     */
    public void start() throws StoreUnavailableException {
        directory();
        try {
            for (String sub : List.of(MESSAGES, EVENTS)) {
                makeDirectories(directory.resolve(sub));
            }
            synchronized (journalLock) {
                long last = recover();
                openJournal(last + 1);
            }
            probe();
        } catch (IOException e) {
            throw new StoreUnavailableException("JSON-lines store: " + e.getMessage(), e);
        }
        checkpointer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "esplink-files-checkpoint");
            t.setDaemon(true);
            return t;
        });
        checkpointer.scheduleWithFixedDelay(this::checkpointQuietly, checkpointEveryMs, checkpointEveryMs,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        LOG.debug("JSON-lines store in {}", directory);
    }

    /** Syncs what was written and closes the journal (a clean stop leaves no journal to replay). */
    public void stop() {
        if (checkpointer != null) {
            checkpointer.shutdownNow();
            checkpointer = null;
        }
        try {
            checkpoint();
            synchronized (journalLock) {
                if (journal != null) {
                    journal = null;
                    Files.deleteIfExists(journalFile(journalNumber));
                }
            }
        } catch (IOException e) {
            LOG.warn("JSON-lines store in {}: could not sync on stop ({}): the journal is replayed at the next start",
                    directory, e.getMessage());
        }
    }

    public long getCheckpointEveryMs() {
        return checkpointEveryMs;
    }

    /** How often the node files written are synced and the journal started afresh (default 5000 ms). */
    public void setCheckpointEveryMs(long checkpointEveryMs) {
        this.checkpointEveryMs = checkpointEveryMs;
    }

    @Override
    public String location() {
        return String.valueOf(directory);
    }

    @Override
    public void store(Exchange exchange) throws IOException {
        Object body = exchange.getMessage().getBody();
        List<Entry> entries = new ArrayList<>();
        boolean sync = true;
        if (body instanceof List<?> batch) {
            // node messages (batching) or connection events (batchEvents); a batch of events only is not synced on
            // its own, as a single event is not
            sync = false;
            for (Object o : batch) {
                if (o instanceof EspLinkMessage m) {
                    entries.add(new Entry(file(MESSAGES, m.clientId()), EspLinkRecords.message(m)));
                    sync = true;
                } else if (o instanceof EspLinkEvent e) {
                    entries.add(new Entry(file(EVENTS, e.clientId()), EspLinkRecords.event(e)));
                } else {
                    throw new IllegalArgumentException("JsonLinesStore: a batch holds EspLinkMessage or EspLinkEvent, "
                                                       + "not " + o);
                }
            }
        } else {
            String clientId = exchange.getMessage().getHeader(EspLinkConstants.CLIENT_ID, String.class);
            boolean event = exchange.getMessage().getHeader(EspLinkConstants.EVENT) != null;
            entries.add(new Entry(file(event ? EVENTS : MESSAGES, clientId), EspLinkRecords.record(exchange)));
            // an event is acknowledged to no one: it is synced with the next messages' write, or by the next
            // checkpoint, not on its own (a storm of 15,000 connects would otherwise be 15,000 syncs)
            sync = !event;
        }
        write(entries, sync);
    }

    /** A record and the node file it goes to. */
    private record Entry(Path file, String record) {
    }

    /**
     * Writes {@code entries}: one journal write, synced if {@code sync} (then they and every earlier write are
     * durable), then one append per node file, in the order given.
     */
    private void write(List<Entry> entries, boolean sync) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        // each record encoded once; the journal and the node files write those same bytes (no batch-sized strings:
        // a batch of large lines costs its size once more, not five times)
        ByteBuffer[] journalParts = new ByteBuffer[entries.size() * 2];
        Map<Path, List<ByteBuffer>> byFile = new LinkedHashMap<>();
        long length = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            byte[] record = (e.record() + "\n").getBytes(StandardCharsets.UTF_8);
            byte[] prefix = (directory.relativize(e.file()) + "\t").getBytes(StandardCharsets.UTF_8);
            journalParts[2 * i] = ByteBuffer.wrap(prefix);
            journalParts[2 * i + 1] = ByteBuffer.wrap(record);
            byFile.computeIfAbsent(e.file(), f -> new ArrayList<>()).add(ByteBuffer.wrap(record));
            length += prefix.length + record.length;
        }
        boolean checkpointDue;
        synchronized (journalLock) {
            if (journal == null) {
                throw new IOException("JSON-lines store in " + directory + " is not started");
            }
            try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                writeFully(ch, journalParts);
                if (sync) {
                    ch.force(false);
                }
            } catch (IOException e) {
                throw failure("cannot write the journal in " + directory, e);
            }
            journalBytes += length;
            for (Map.Entry<Path, List<ByteBuffer>> f : byFile.entrySet()) {
                append(f.getKey(), f.getValue().toArray(new ByteBuffer[0]), false);
                dirty.add(f.getKey());
            }
            checkpointDue = journalBytes > checkpointBytes;
        }
        if (checkpointDue && checkpointer != null) {
            checkpointer.execute(this::checkpointQuietly);
        }
    }

    /** Writes every byte of {@code parts} (a gathering write may take part of them: it goes on from there). */
    private static void writeFully(FileChannel ch, ByteBuffer[] parts) throws IOException {
        int first = 0;
        while (first < parts.length) {
            ch.write(parts, first, Math.min(parts.length - first, 512));
            while (first < parts.length && !parts[first].hasRemaining()) {
                first++;
            }
        }
    }

    /**
     * Syncs the node files written since the last checkpoint and deletes the journals that cover them: the journal
     * is started afresh first, so that writing goes on meanwhile.
     */
    void checkpoint() throws IOException {
        Set<Path> toSync;
        long before;
        synchronized (journalLock) {
            if (journal == null || journalBytes == 0) {
                return;
            }
            toSync = dirty;
            dirty = ConcurrentHashMap.newKeySet();
            before = journalNumber;
            openJournal(journalNumber + 1);
        }
        Set<Path> dirs = new java.util.HashSet<>();
        for (Path f : toSync) {
            synchronized (lockOf(f)) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ch.force(false);
                } catch (NoSuchFileException gone) {
                    // removed meanwhile by someone: nothing to sync
                }
            }
            dirs.add(f.getParent());
        }
        // node files made since the last checkpoint are in the directory for good only once it is synced; until
        // then the journal would make them again (a few directories: messages/ and events/, not one sync per node)
        for (Path d : dirs) {
            syncDirectory(d);
        }
        for (long n = before; n >= 0 && Files.deleteIfExists(journalFile(n)); n--) {
            // the older ones, too (left by a checkpoint that failed)
        }
    }

    private void checkpointQuietly() {
        try {
            checkpoint();
        } catch (IOException | RuntimeException e) {
            LOG.warn("JSON-lines store in {}: checkpoint failed ({}); the journal keeps the records until the next",
                    directory, e.getMessage());
        }
    }

    /** Starts journal {@code number}: made now, and synced into the directory, so that its writes only sync data. */
    private void openJournal(long number) throws IOException {
        Path file = journalFile(number);
        try {
            Files.newByteChannel(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            throw failure("cannot make the journal " + file, e);
        }
        syncDirectory(directory);
        journal = file;
        journalNumber = number;
        journalBytes = 0;
    }

    private Path journalFile(long number) {
        return directory.resolve("journal-" + number + ".log");
    }

    /**
     * Replays the journals a crash left: every node file gets, once and in order, the records of the journals it
     * lacks. Returns the highest journal number found (0 if none).
     */
    private long recover() throws IOException {
        List<Long> numbers = new ArrayList<>();
        try (var list = Files.list(directory)) {
            list.map(p -> p.getFileName().toString()).filter(n -> n.matches("journal-\\d+\\.log"))
                    .forEach(n -> numbers.add(Long.parseLong(n.substring(8, n.length() - 4))));
        }
        if (numbers.isEmpty()) {
            return 0;
        }
        numbers.sort(null);
        Map<Path, List<String>> byFile = new LinkedHashMap<>();
        int lines = 0;
        for (long n : numbers) {
            String text = Files.readString(journalFile(n), StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n') + 1; // a torn last line was never synced: never acknowledged
            for (String line : text.substring(0, end).split("\n")) {
                int tab = line.indexOf('\t');
                if (tab <= 0) {
                    continue;
                }
                Path file = directory.resolve(line.substring(0, tab)).normalize();
                if (file.startsWith(directory)) {
                    byFile.computeIfAbsent(file, f -> new ArrayList<>()).add(line.substring(tab + 1));
                    lines++;
                }
            }
        }
        int appended = 0;
        for (Map.Entry<Path, List<String>> e : byFile.entrySet()) {
            appended += replay(e.getKey(), e.getValue());
        }
        for (long n : numbers) {
            Files.deleteIfExists(journalFile(n));
        }
        if (lines > 0) {
            LOG.info("JSON-lines store in {}: replayed {} journal record(s) after a crash: {} were missing from the "
                     + "node files and are now in them", directory, lines, appended);
        }
        return numbers.get(numbers.size() - 1);
    }

    /** Appends to {@code file} the records of {@code records} it does not end with already; syncs it. */
    private int replay(Path file, List<String> records) throws IOException {
        prepare(file);
        List<String> tail = new ArrayList<>();
        if (Files.exists(file)) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (String line : new TailReader(ch)) {
                    tail.add(0, line);
                    if (tail.size() >= records.size()) {
                        break;
                    }
                }
            }
        }
        // the file ends with the first j records already (written before the crash): find the largest j
        int have = 0;
        for (int j = Math.min(records.size(), tail.size()); j > 0; j--) {
            if (tail.subList(tail.size() - j, tail.size()).equals(records.subList(0, j))) {
                have = j;
                break;
            }
        }
        if (have < records.size()) {
            StringBuilder sb = new StringBuilder();
            for (String r : records.subList(have, records.size())) {
                sb.append(r).append('\n');
            }
            append(file, sb.toString(), true);
        } else {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(false);
            }
        }
        return records.size() - have;
    }

    /** The file of node {@code clientId} in {@code kind} (messages or events). */
    Path file(String kind, String clientId) {
        Path file = directory().resolve(kind).resolve(EspLinkRecords.safeName(clientId) + ".jsonl").normalize();
        if (!file.startsWith(directory)) {
            throw new IllegalArgumentException("No file for client ID '" + clientId + "' inside " + directory);
        }
        return file;
    }

    /** Appends {@code lines} (whole lines) to {@code file} in one write; syncs it if {@code sync}. */
    private void append(Path file, String lines, boolean sync) throws IOException {
        append(file, new ByteBuffer[] { ByteBuffer.wrap(lines.getBytes(StandardCharsets.UTF_8)) }, sync);
    }

    /** Appends {@code parts} (whole lines) to {@code file} in one gathering write; syncs it if {@code sync}. */
    private void append(Path file, ByteBuffer[] parts, boolean sync) throws IOException {
        synchronized (lockOf(file)) {
            boolean created = prepare(file);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                writeFully(ch, parts);
                if (sync) {
                    ch.force(false);
                }
            } catch (IOException e) {
                throw failure("cannot append to " + file, e);
            }
            if (created && sync) {
                syncDirectory(file.getParent()); // otherwise the next checkpoint syncs the directory
            }
        }
    }

    @Override
    public StoredTail load(String clientId) throws IOException {
        Path file = file(MESSAGES, clientId);
        synchronized (lockOf(file)) {
            prepare(file);
            if (!Files.exists(file)) {
                return StoredTail.EMPTY;
            }
            Deque<Integer> ids = new ArrayDeque<>();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (String line : new TailReader(ch)) {
                    JsonNode record;
                    try {
                        record = JSON.readTree(line);
                    } catch (IOException e) {
                        LOG.warn("{}: a line that is not JSON is ignored: {}", file, e.getMessage());
                        continue;
                    }
                    if (record == null || !clientId.equals(record.path("clientId").asText(null))
                            || !record.path("messageId").canConvertToInt()) {
                        continue; // another node's (IDs that map to one file name) or not a message
                    }
                    ids.addFirst(record.get("messageId").asInt());
                    if (ids.size() >= TAIL_RECORDS) {
                        break;
                    }
                }
            }
            return StoredTail.of(ids.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Override
    public void probe() throws IOException {
        probeDirectory();
    }

    /**
     * Makes the directory if missing, and writes, syncs and removes a probe file in it: fails with the cause while
     * it cannot be written (full, read-only, not a directory).
     */
    public void probeDirectory() throws IOException {
        makeDirectories(directory());
        Path probe = directory().resolve(".esplink-probe");
        try {
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(StandardCharsets.UTF_8.encode(java.time.Instant.now() + "\n"));
                ch.force(false);
            }
            Files.delete(probe);
        } catch (IOException e) {
            throw failure("cannot write to " + directory, e);
        }
    }

    /**
     * Makes sure of {@code file} the first time it is touched: its directory exists and its last line is whole.
     *
     * @return true if the file does not exist yet (it is about to be made)
     */
    private boolean prepare(Path file) throws IOException {
        if (prepared.contains(file)) {
            return false; // made or checked already (no file system call per write)
        }
        boolean missing = !Files.exists(file);
        makeDirectories(file.getParent());
        if (!missing) {
            cutTornLine(file);
        }
        prepared.add(file);
        return missing;
    }

    /** Cuts a last line that has no newline: a write that a crash interrupted before it was synced. */
    private static void cutTornLine(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size == 0 || lastByte(ch, size) == '\n') {
                return;
            }
            long keep = 0;
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            search:
            for (long end = size; end > 0;) {
                long start = Math.max(0, end - CHUNK);
                buf.clear().limit((int) (end - start));
                readFully(ch, buf, start);
                for (int i = buf.limit() - 1; i >= 0; i--) {
                    if (buf.get(i) == '\n') {
                        keep = start + i + 1;
                        break search;
                    }
                }
                end = start;
            }
            ch.truncate(keep);
            ch.force(true);
            LOG.warn("{}: cut off an incomplete last line of {} bytes, left by a crash before it was synced (its "
                     + "message was never acknowledged: the node resends it)", file, size - keep);
        } catch (IOException e) {
            throw failure("cannot repair the last line of " + file, e);
        }
    }

    private static int lastByte(FileChannel ch, long size) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        readFully(ch, one, size - 1);
        return one.get(0);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
        buf.flip();
    }

    /** Makes {@code dir} and its missing parents, syncing each new one into its parent. */
    private void makeDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        List<Path> made = new ArrayList<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            made.add(0, d);
        }
        for (Path d : made) {
            try {
                Files.createDirectory(d);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(d)) {
                    throw new IOException("cannot make directory " + d + ": a file of that name is in the way", e);
                }
            } catch (IOException e) {
                throw failure("cannot make directory " + d, e);
            }
            if (d.getParent() != null) {
                syncDirectory(d.getParent());
            }
        }
    }

    /** Syncs a directory, so that an entry just made in it survives a power loss. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw failure("cannot sync directory " + dir, e);
        }
    }

    private static IOException failure(String what, IOException cause) {
        String reason = cause instanceof NoSuchFileException ? "no such file or directory"
                : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return new IOException(what + ": " + reason, cause);
    }

    private Path directory() {
        if (directory == null) {
            throw new IllegalStateException("JsonLinesStore: no directory set");
        }
        return directory;
    }

    private Object lockOf(Path file) {
        return locks[(file.hashCode() & 0x7fffffff) % locks.length];
    }

    @Override
    public String toString() {
        return "JsonLinesStore[" + directory + "]";
    }

    /** The lines of a file from the last to the first, read backwards in chunks, up to {@link #TAIL_BYTES}. */
    private static final class TailReader implements Iterable<String> {
        private final FileChannel ch;

        TailReader(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public java.util.Iterator<String> iterator() {
            return new java.util.Iterator<>() {
                private long end;
                private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
                /** Bytes of the line being assembled, last bytes first (reversed). */
                private final java.io.ByteArrayOutputStream reversed = new java.io.ByteArrayOutputStream();
                private final Deque<String> ready = new ArrayDeque<>();
                private long floor;
                private boolean done;

                {
                    try {
                        end = ch.size();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    floor = Math.max(0, end - TAIL_BYTES);
                    // the file ends with a newline (torn lines are cut first): skip it
                    if (end > floor) {
                        end--;
                    }
                }

                @Override
                public boolean hasNext() {
                    while (ready.isEmpty() && !done) {
                        fill();
                    }
                    return !ready.isEmpty();
                }

                @Override
                public String next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return ready.poll();
                }

                private void fill() {
                    if (end <= floor) {
                        if (reversed.size() > 0 && floor == 0) {
                            ready.add(line());
                        }
                        done = true;
                        return;
                    }
                    long start = Math.max(floor, end - CHUNK);
                    chunk.clear().limit((int) (end - start));
                    try {
                        readFully(ch, chunk, start);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    for (int i = chunk.limit() - 1; i >= 0; i--) {
                        byte b = chunk.get(i);
                        if (b == '\n') {
                            ready.add(line());
                        } else {
                            reversed.write(b);
                        }
                    }
                    end = start;
                }

                private String line() {
                    byte[] r = reversed.toByteArray();
                    reversed.reset();
                    for (int i = 0, j = r.length - 1; i < j; i++, j--) {
                        byte t = r[i];
                        r[i] = r[j];
                        r[j] = t;
                    }
                    return new String(r, StandardCharsets.UTF_8);
                }
            };
        }
    }
}
