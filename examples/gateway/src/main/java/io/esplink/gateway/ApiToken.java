package io.esplink.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token of the HTTP API: {@code esplink.http.token} when configured, else the one in
 * {@code <esplink.data.dir>/api-token}, made at the first start (256 random bits, URL-safe Base64) and logged once
 * then. Requests are checked against it in constant time.
 */
final class ApiToken {

    /** The property that sets the token. */
    static final String PROPERTY = "esplink.http.token";
    /** The file in the data directory that holds a generated token. */
    static final String FILE = "api-token";
    /** Shortest token accepted in {@value #PROPERTY}. */
    static final int MIN_LENGTH = 16;

    private static final Logger LOG = LoggerFactory.getLogger(ApiToken.class);
    private static final int RANDOM_BYTES = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private final byte[] digest;
    private final String source;

    private ApiToken(String token, String source) {
        this.digest = sha256(token);
        this.source = source;
    }

    /** Where the token comes from, for the log: the property or the file. */
    String source() {
        return source;
    }

    /**
     * The configured token if {@code configured} is not blank; else the token of {@code dataDir}'s file, made and
     * logged (once, in one line) if there is none yet.
     *
     * @throws IllegalArgumentException for a configured token that is too short or has blanks
     * @throws IOException              when the file cannot be read or written
     */
    static ApiToken resolve(String configured, Path dataDir) throws IOException {
        if (configured != null && !configured.isBlank()) {
            String token = configured.strip();
            check(token, PROPERTY);
            LOG.info("HTTP API token: from {} (send it as 'Authorization: Bearer <token>')", PROPERTY);
            return new ApiToken(token, PROPERTY);
        }
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            String token = read(file);
            LOG.info("HTTP API token: in {} (send it as 'Authorization: Bearer <token>')", file);
            return new ApiToken(token, file.toString());
        }
        String token = generate();
        if (!create(file, token)) {
            // another gateway on the same directory made it first: use that one
            return new ApiToken(read(file), file.toString());
        }
        LOG.info("HTTP API token (new; kept in {}, printed only now; send it as 'Authorization: Bearer <token>'): {}",
                file, token);
        return new ApiToken(token, file.toString());
    }

    /**
     * Whether {@code authorization} (the request's {@code Authorization} header) is {@code Bearer <this token>}. Takes
     * the same time whatever the token presented, right or wrong, long or short.
     */
    boolean matches(String authorization) {
        String presented = bearer(authorization);
        byte[] candidate = sha256(presented == null ? "" : presented);
        return MessageDigest.isEqual(digest, candidate) & presented != null;
    }

    /** The token of a {@code Bearer} authorization (scheme in any case), or null for none or another scheme. */
    static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.strip();
        if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = a.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    static String generate() {
        byte[] random = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static void check(String token, String where) {
        if (token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException(where + ": the HTTP API token must have at least " + MIN_LENGTH
                                               + " characters (leave it empty to have one made)");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException(where + ": the HTTP API token must not contain blanks or control "
                                                   + "characters");
            }
        }
    }

    private static String read(Path file) throws IOException {
        tightenPermissions(file);
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        try {
            check(token, file.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; delete " + file
                                               + " to have a new one made, or set " + PROPERTY, e);
        }
        return token;
    }

    /** Warns about and removes the access of others to an existing token file. */
    private static void tightenPermissions(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        if (!OWNER_ONLY.containsAll(perms)) {
            LOG.warn("{} could be read by others ({}): now readable by its owner only; if others did read it, delete "
                     + "it and restart to have a new token made", file, PosixFilePermissions.toString(perms));
            Set<PosixFilePermission> owner = EnumSet.copyOf(perms);
            owner.retainAll(OWNER_ONLY);
            view.setPermissions(owner);
        }
    }

    /**
     * Writes the token to {@code file}, readable by its owner only where the file system has POSIX permissions: to a
     * temporary file first (made with those permissions), synced, then moved to its name, so that a crash leaves
     * either no file or a whole one. False if the file exists by then.
     */
    private static boolean create(Path file, String token) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(OWNER_ONLY) }
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, "." + FILE + "-", ".tmp", attrs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap((token + System.lineSeparator()).getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            if (Files.exists(file)) {
                return false;
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
