package io.esplink.core;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One node's credential: a salted hash of its secret (see {@link Secrets}) and, optionally, the address blocks it may
 * connect from (empty: any).
 */
public record Credential(String clientId, String secretHash, List<Cidr> allowedAddresses) {

    public Credential {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(secretHash, "secretHash");
        allowedAddresses = List.copyOf(allowedAddresses);
    }

    /** True if {@code secret} is this node's (compared in constant time). */
    public boolean accepts(String secret) {
        return Secrets.matches(secretHash, secret);
    }

    /** True if the node may connect from {@code address}. */
    public boolean allows(InetAddress address) {
        return allowedAddresses.isEmpty() || Cidr.anyContains(allowedAddresses, address);
    }
}
