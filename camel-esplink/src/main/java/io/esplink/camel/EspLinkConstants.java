package io.esplink.camel;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Metadata;

/** The headers of the esplink component. */
public final class EspLinkConstants {

    @Metadata(label = "consumer producer", description = "The node's client ID. Set by the consumer. On a producer "
                                                         + "it names the target node and wins over the clientId "
                                                         + "option, except when it is the unchanged header an "
                                                         + "esplink consumer set (the sender): then the option is "
                                                         + "used if set, and the sender is answered if not.",
              javaType = "String")
    public static final String CLIENT_ID = "CamelEspLinkClientId";

    @Metadata(label = "consumer", description = "The message ID (0-255) the node gave the message.",
              javaType = "int")
    public static final String MESSAGE_ID = "CamelEspLinkMessageId";

    @Metadata(label = "consumer", description = "The node's address, host:port.", javaType = "String")
    public static final String REMOTE_ADDRESS = "CamelEspLinkRemoteAddress";

    @Metadata(label = "consumer", description = "How many times the node has connected since the gateway started "
                                                + "(1 for its first connection).",
              javaType = "int")
    public static final String CONNECT_COUNT = "CamelEspLinkConnectCount";

    @Metadata(label = "consumer", description = "When the gateway received the message, or when the event happened "
                                                + "(epoch milliseconds). Camel's standard message timestamp header.",
              javaType = "long")
    public static final String MESSAGE_TIMESTAMP = Exchange.MESSAGE_TIMESTAMP;

    @Metadata(label = "consumer", description = "On event exchanges (events=true): CONNECTED or DISCONNECTED.",
              javaType = "String", enums = "CONNECTED,DISCONNECTED")
    public static final String EVENT = "CamelEspLinkEvent";

    @Metadata(label = "consumer", description = "On event exchanges: why the node disconnected (for example "
                                                + "'timeout: nothing received for 2004 ms'), or 'connected'.",
              javaType = "String")
    public static final String EVENT_REASON = "CamelEspLinkEventReason";

    @Metadata(label = "producer", description = "After a broadcast (clientId set to the star character): the client IDs sent to.",
              javaType = "java.util.List<String>")
    public static final String RECIPIENTS = "CamelEspLinkRecipients";

    @Metadata(label = "consumer", description = "With batching: how many node messages the exchange's body (a List "
                                                + "of EspLinkMessage) holds; with batchEvents, on an event batch, how "
                                                + "many events (a List of EspLinkEvent).", javaType = "int")
    public static final String BATCH_SIZE = "CamelEspLinkBatchSize";

    @Metadata(label = "consumer", description = "With batchEvents: set on the exchanges that carry connection events "
                                                + "(a List of EspLinkEvent), to how many they hold; absent on node "
                                                + "messages. A route that takes both tells them apart by it.",
              javaType = "int")
    public static final String EVENT_BATCH = "CamelEspLinkEventBatch";

    /** Exchange property: the client ID of the node whose message created the exchange. */
    public static final String SOURCE_CLIENT_ID_PROPERTY = "CamelEspLinkSourceClientId";

    private EspLinkConstants() {
    }
}
