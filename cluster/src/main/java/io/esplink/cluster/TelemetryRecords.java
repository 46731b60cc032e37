package io.esplink.cluster;

import java.util.ArrayList;
import java.util.List;

import io.esplink.camel.EspLinkConstants;
import io.esplink.camel.EspLinkMessage;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

/**
 * Turns what an esplink consumer delivers (a batch, {@code List<EspLinkMessage>}, or one message) into Kafka records
 * for camel-kafka's producer, which sends a List body as one record per element and completes the exchange once
 * Kafka has acknowledged every one of them (or fails it if any failed). Each record: key the client ID (one
 * partition per node, so each node's order holds), value the line the node sent, timestamp the time the gateway
 * received it, headers {@link EspLinkKafkaHeaders#MESSAGE_ID}, {@link EspLinkKafkaHeaders#GATEWAY_ID},
 * {@link EspLinkKafkaHeaders#RECEIVED_AT} and {@link EspLinkKafkaHeaders#CONNECT_COUNT}.
 */
public class TelemetryRecords {

    private String gatewayId;

    /** The records of the exchange's node message(s), in the order they came. */
    public List<Message> records(Exchange exchange) {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        List<Message> records = new ArrayList<>();
        if (body instanceof List<?> batch) {
            for (Object o : batch) {
                EspLinkMessage m = (EspLinkMessage) o;
                records.add(record(exchange.getContext(), m.clientId(), m.messageId(), m.payload(), m.receivedAt(),
                        m.connectCount()));
            }
        } else {
            Long ts = in.getHeader(EspLinkConstants.MESSAGE_TIMESTAMP, Long.class);
            Integer count = in.getHeader(EspLinkConstants.CONNECT_COUNT, Integer.class);
            records.add(record(exchange.getContext(), in.getHeader(EspLinkConstants.CLIENT_ID, String.class),
                    in.getHeader(EspLinkConstants.MESSAGE_ID, Integer.class), in.getBody(String.class),
                    ts != null ? ts : System.currentTimeMillis(), count != null ? count : 0));
        }
        return records;
    }

    private Message record(CamelContext context, String clientId, Integer messageId, String payload, long receivedAt,
                           int connectCount) {
        Message m = new DefaultMessage(context);
        m.setBody(payload);
        m.setHeader(KafkaConstants.KEY, clientId);
        m.setHeader(KafkaConstants.OVERRIDE_TIMESTAMP, receivedAt);
        if (messageId != null) {
            m.setHeader(EspLinkKafkaHeaders.MESSAGE_ID, String.valueOf(messageId));
        }
        m.setHeader(EspLinkKafkaHeaders.GATEWAY_ID, gatewayId);
        m.setHeader(EspLinkKafkaHeaders.RECEIVED_AT, String.valueOf(receivedAt));
        m.setHeader(EspLinkKafkaHeaders.CONNECT_COUNT, String.valueOf(connectCount));
        return m;
    }

    public String getGatewayId() {
        return gatewayId;
    }

    public void setGatewayId(String gatewayId) {
        this.gatewayId = gatewayId;
    }
}
