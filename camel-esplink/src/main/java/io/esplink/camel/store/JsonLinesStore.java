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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.camel.EspLinkConstants;
import io.esplink.camel.EspLinkRecords;
import io.esplink.core.StoredTail;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON lines per node under one directory: {@code messages/<clientId>.jsonl} and {@code events/<clientId>.jsonl}, one
 * {@link EspLinkRecords} record per line, client IDs made safe as file names ({@link EspLinkRecords#safeName}).
 * <p>
 * Durable before it returns: each record is appended with one write and synced ({@code fdatasync}); a file or
 * directory made for it is synced into its parent directory too. A crash can still leave the last line of a file
 * torn (written in part, never synced, so never acknowledged): the first time this store touches a file it cuts such
 * a line off, so that the node's resend starts a line of its own.
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

    /** Makes the directories and checks that a record can be written: fails naming the directory and the cause. */
    public void start() throws StoreUnavailableException {
        directory();
        try {
            for (String sub : List.of(MESSAGES, EVENTS)) {
                makeDirectories(directory.resolve(sub));
            }
            probe();
        } catch (IOException e) {
            throw new StoreUnavailableException("JSON-lines store: " + e.getMessage(), e);
        }
        LOG.debug("JSON-lines store in {}", directory);
    }

    @Override
    public String location() {
        return String.valueOf(directory);
    }

    @Override
    public void store(Exchange exchange) throws IOException {
        String clientId = exchange.getMessage().getHeader(EspLinkConstants.CLIENT_ID, String.class);
        boolean event = exchange.getMessage().getHeader(EspLinkConstants.EVENT) != null;
        append(file(event ? EVENTS : MESSAGES, clientId), EspLinkRecords.record(exchange));
    }

    /** The file of node {@code clientId} in {@code kind} (messages or events). */
    Path file(String kind, String clientId) {
        Path file = directory().resolve(kind).resolve(EspLinkRecords.safeName(clientId) + ".jsonl").normalize();
        if (!file.startsWith(directory)) {
            throw new IllegalArgumentException("No file for client ID '" + clientId + "' inside " + directory);
        }
        return file;
    }

    /** Appends {@code line} and a newline in one write and syncs it. */
    void append(Path file, String line) throws IOException {
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(line + "\n");
        synchronized (lockOf(file)) {
            boolean created = prepare(file);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(false);
            } catch (IOException e) {
                throw failure("cannot append to " + file, e);
            }
            if (created) {
                syncDirectory(file.getParent());
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
        boolean missing = !Files.exists(file);
        if (prepared.contains(file)) {
            return missing;
        }
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
