package io.esplink.cluster;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The Kafka record headers the esplink routes write and read. Every value is a UTF-8 string (numbers in decimal), so
 * that any Kafka client, and {@code kafka-console-consumer --property print.headers=true}, reads them as they are.
 */
public final class EspLinkKafkaHeaders {

    /** Telemetry: the message ID (0-255) the node gave the message. */
    public static final String MESSAGE_ID = "esplink-message-id";
    /** Telemetry, presence, results: the ID of the gateway that wrote the record. */
    public static final String GATEWAY_ID = "esplink-gateway-id";
    /** Telemetry: when the gateway received the message, epoch ms (also the record's timestamp). */
    public static final String RECEIVED_AT = "esplink-received-at";
    /** Telemetry: the node's connection count at that gateway when the message came. */
    public static final String CONNECT_COUNT = "esplink-connect-count";
    /** Commands (written by applications, optional): how long the command may wait for its node, in ms. */
    public static final String TTL = "esplink-ttl-ms";
    /** Commands (optional) and results: the application's ID for the command, echoed on its result. */
    public static final String CORRELATION_ID = "esplink-correlation-id";
    /** Forwarded commands and results: the command's ID, {@code <topic>-<partition>-<offset>} of the command. */
    public static final String COMMAND_ID = "esplink-command-id";
    /** Forwarded commands: when the command expires, epoch ms. */
    public static final String EXPIRES_AT = "esplink-expires-at";
    /** Results: delivered, expired, unknown-node or invalid. */
    public static final String RESULT = "esplink-result";

    private EspLinkKafkaHeaders() {
    }

    /** The last value of header {@code name}, as a string, or null. */
    public static String get(Headers headers, String name) {
        if (headers == null) {
            return null;
        }
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
