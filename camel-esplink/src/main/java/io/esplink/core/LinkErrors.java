package io.esplink.core;

import java.io.IOException;

import javax.net.ssl.SSLException;

import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the gateway does with an error on a node connection: close it, with a reason and a log line that fit. */
final class LinkErrors {

    private static final Logger LOG = LoggerFactory.getLogger(LinkErrors.class);

    private LinkErrors() {
    }

    static void handle(Channel ch, Throwable cause, SessionRegistry registry) {
        String clientId = ch.attr(Links.CLIENT_ID).get();
        String who = clientId != null ? "node '" + clientId + "'" : Links.format(ch.remoteAddress());
        if (cause instanceof LineTooLongException) {
            String reason = "line too long (maxLineLength " + ((LineTooLongException) cause).maxLineLength() + ")";
            if (clientId == null) {
                registry.refuse(ch, "ID line too long", "{}: an ID line longer than {} bytes (closing)", who,
                        ((LineTooLongException) cause).maxLineLength());
            } else {
                LOG.warn("{}: {}", who, cause.getMessage());
                Links.close(ch, reason);
            }
        } else if (cause instanceof SSLException || cause.getCause() instanceof SSLException) {
            SSLException tls = cause instanceof SSLException ? (SSLException) cause : (SSLException) cause.getCause();
            String reason = "TLS error: " + tls.getMessage();
            if (clientId == null) {
                registry.refuse(ch, "TLS error", "{}: {} (closing)", who, reason); // the kind, not the message
            } else {
                LOG.warn("{}: {} (closing)", who, reason);
                Links.close(ch, reason);
            }
        } else if (cause instanceof IOException) {
            LOG.debug("{}: I/O error", who, cause);
            Links.close(ch, "I/O error: " + cause.getMessage());
        } else {
            LOG.warn("{}: unexpected error, closing the connection", who, cause);
            Links.close(ch, "error: " + cause);
        }
    }
}
