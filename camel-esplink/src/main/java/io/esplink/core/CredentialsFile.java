package io.esplink.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node credentials in a text file, one node per line: {@code <clientId> <hash> [allow=<cidr>,<cidr>...]}, where the
 * hash is a {@link Secrets#hash} and {@code allow} restricts the addresses the node may connect from. Lines starting
 * with {@code #} are comments. The file is read again when it changes (looked at most once a second), so nodes can be
 * added while the gateway runs; {@link #add} and {@link #remove} rewrite it atomically, readable by its owner only.
 * A file that cannot be read is an error, not an empty store: the gateway keeps the credentials it read last.
 */
public final class CredentialsFile implements CredentialStore {

    private static final Logger LOG = LoggerFactory.getLogger(CredentialsFile.class);
    private static final long CHECK_EVERY_MS = 1000;

    private final Path file;
    private volatile Map<String, Credential> credentials = Map.of();
    private volatile FileTime loadedStamp;
    private volatile long checkedAt;

    public CredentialsFile(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    public Path path() {
        return file;
    }

    /**
     * Reads the file now (made empty if missing, with a comment that says how to add nodes).
     *
     * @throws IOException when it cannot be read or made, or a line is malformed
     */
    public synchronized CredentialsFile load() throws IOException {
        if (!Files.exists(file)) {
            write(Map.of());
        }
        credentials = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        loadedStamp = Files.getLastModifiedTime(file);
        checkedAt = System.currentTimeMillis();
        return this;
    }

    @Override
    public Credential find(String clientId) {
        refreshIfChanged();
        return credentials.get(clientId);
    }

    /** The client IDs that have credentials, sorted. */
    public List<String> clientIds() {
        refreshIfChanged();
        List<String> ids = new ArrayList<>(credentials.keySet());
        Collections.sort(ids);
        return ids;
    }

    /**
     * Gives {@code clientId} a new random secret (replacing any it had) and returns it: show it once, it is not
     * kept.
     */
    public synchronized String add(String clientId, List<Cidr> allowed) throws IOException {
        String problem = ClientIds.problem(clientId, ClientIds.DEFAULT_MAX_LENGTH);
        if (problem != null) {
            throw new IllegalArgumentException("Cannot give credentials to '" + ClientIds.escape(clientId) + "': "
                                               + problem);
        }
        if (clientId.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("A client ID with credentials has no spaces: '" + clientId + "'");
        }
        load();
        String secret = Secrets.generate();
        Map<String, Credential> next = new LinkedHashMap<>(credentials);
        next.put(clientId, new Credential(clientId, Secrets.hash(secret), allowed));
        write(next);
        load();
        return secret;
    }

    /** Removes the credentials of {@code clientId}; false if it had none. */
    public synchronized boolean remove(String clientId) throws IOException {
        load();
        if (!credentials.containsKey(clientId)) {
            return false;
        }
        Map<String, Credential> next = new LinkedHashMap<>(credentials);
        next.remove(clientId);
        write(next);
        load();
        return true;
    }

    private void refreshIfChanged() {
        long now = System.currentTimeMillis();
        if (now - checkedAt < CHECK_EVERY_MS) {
            return;
        }
        checkedAt = now;
        try {
            FileTime stamp = Files.getLastModifiedTime(file);
            if (!stamp.equals(loadedStamp)) {
                synchronized (this) {
                    credentials = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
                    loadedStamp = stamp;
                }
                LOG.info("Node credentials read again from {}: {} node(s)", file, credentials.size());
            }
        } catch (NoSuchFileException e) {
            LOG.warn("Node credentials file {} is gone: keeping the {} credential(s) read before", file,
                    credentials.size());
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("Node credentials file {} cannot be read ({}): keeping the {} credential(s) read before", file,
                    e.getMessage(), credentials.size());
        }
    }

    private Map<String, Credential> parse(List<String> lines) {
        Map<String, Credential> out = new LinkedHashMap<>();
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length < 2 || parts.length > 3 || parts.length == 3 && !parts[2].startsWith("allow=")) {
                throw new IllegalArgumentException(file + " line " + n + ": expected '<clientId> <hash> "
                                                   + "[allow=<cidr>,...]'");
            }
            List<Cidr> allowed = parts.length == 3 ? Cidr.parseList(parts[2].substring("allow=".length()))
                    : List.of();
            out.put(parts[0], new Credential(parts[0], parts[1], allowed));
        }
        return Map.copyOf(out);
    }

    private void write(Map<String, Credential> entries) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# esplink node credentials: <clientId> <hash of its secret> [allow=<address blocks>]");
        lines.add("# Add or renew a node with: java -jar esplink-gateway.jar credentials add <clientId>");
        for (Credential c : entries.values()) {
            String allow = c.allowedAddresses().isEmpty() ? ""
                    : " allow=" + String.join(",", c.allowedAddresses().stream().map(Cidr::toString).toList());
            lines.add(c.clientId() + " " + c.secretHash() + allow);
        }
        Path dir = file.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, ".credentials", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Two stores of one file are one store. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CredentialsFile && ((CredentialsFile) o).file.equals(file);
    }

    @Override
    public int hashCode() {
        return file.hashCode();
    }

    @Override
    public String toString() {
        return "CredentialsFile[" + file + "]";
    }
}
