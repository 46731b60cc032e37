package io.esplink.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Node secrets and their stored form, with the JDK's own cryptography: a secret is 128 random bits
 * ({@link SecureRandom}), written base64url (22 characters, no colon, so it fits after the client ID in an ID line);
 * it is stored as {@code hmac-sha256:<salt>:<mac>}, HMAC-SHA256 of the secret under a random 128-bit salt, and
 * compared in constant time.
 * <p>
 * Why not a slow password hash: the secrets are made here, random and long, so nobody can guess them from their
 * hash, and a gateway that spent tens of milliseconds per connection attempt on a slow hash would hand every
 * attacker a CPU to burn. Secrets chosen by people are refused when shorter than {@link #MIN_LENGTH}.
 */
public final class Secrets {

    /** The shortest secret accepted when someone supplies their own. */
    public static final int MIN_LENGTH = 16;
    private static final String SCHEME = "hmac-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    /**
     * One HMAC engine per thread: looking one up is dearer than the MAC itself, and a storm does one per connection
     * (declared before DUMMY, which uses it).
     */
    private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    });

    /** Compared against when a node has no credential, so that the time taken does not tell which IDs exist. */
    private static final String DUMMY = hash("not a secret of anyone");

    private Secrets() {
    }

    /** A new random secret. */
    public static String generate() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return B64.encodeToString(b);
    }

    /** The stored form of {@code secret}, with a fresh salt. */
    public static String hash(String secret) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return SCHEME + ":" + B64.encodeToString(salt) + ":" + B64.encodeToString(mac(salt, secret));
    }

    /** True if {@code secret} hashes to {@code stored}; constant time in the secret. A malformed hash matches nothing. */
    public static boolean matches(String stored, String secret) {
        String[] parts = stored == null ? new String[0] : stored.split(":");
        if (parts.length != 3 || !SCHEME.equals(parts[0]) || secret == null) {
            matches(DUMMY, "x"); // the same work either way
            return false;
        }
        try {
            byte[] salt = B64D.decode(parts[1]);
            byte[] expected = B64D.decode(parts[2]);
            return MessageDigest.isEqual(expected, mac(salt, secret));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Spends the time a check of a secret takes, for a node without a credential. */
    static void waste(String secret) {
        matches(DUMMY, secret == null ? "" : secret);
    }

    /** Checks a secret someone chose; returns it. */
    public static String checkChosen(String secret) {
        if (secret == null || secret.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("A secret must have at least " + MIN_LENGTH + " characters");
        }
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (c <= ' ' || c > '~' || c == ':') {
                throw new IllegalArgumentException("A secret is printable ASCII without spaces or colons");
            }
        }
        return secret;
    }

    private static byte[] mac(byte[] salt, String secret) {
        try {
            Mac mac = MACS.get();
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            return mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
