package io.esplink.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.esplink.core.EspLinkClient;
import io.esplink.testing.RecordingNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static org.awaitility.Awaitility.await;

/**
 * Two (or more) gateways of the route files on one in-process KRaft broker, simulated nodes, and an application's
 * view of Kafka: it writes commands and reads telemetry, presence and results. Each test has its own topic prefix.
 */
abstract class ClusterTestSupport {

    static final Duration WAIT = Duration.ofSeconds(30);

    protected final KafkaBroker kafka = KafkaBroker.shared();
    protected String prefix;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private KafkaProducer<String, String> app;

    @BeforeEach
    void newPrefix() {
        prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                // go on closing the rest
            }
        }
        closeables.clear();
        if (app != null) {
            app.close();
            app = null;
        }
    }

    <T extends AutoCloseable> T closeAtEnd(T c) {
        closeables.add(c);
        return c;
    }

    /** A started gateway with the three Kafka route files, tables caught up. */
    ClusterGateway gateway(String id) throws Exception {
        return gateway(id, kafka.brokers(), Map.of());
    }

    ClusterGateway gateway(String id, String brokers, Map<String, String> extra) throws Exception {
        ClusterGateway g = closeAtEnd(new ClusterGateway(id, brokers, prefix, extra));
        g.start();
        return g.awaitReady(WAIT);
    }

    /** A node whose link is up, on {@code port} (a gateway's or a balancer's). */
    RecordingNode node(String clientId, int port) {
        RecordingNode n = new RecordingNode(EspLinkClient.builder(ClusterGateway.HOST, port, clientId)
                .timeoutMs(ClusterGateway.TIMEOUT_MS).build());
        closeAtEnd(n);
        n.client.start();
        return n.awaitUp(WAIT);
    }

    /** Waits until every gateway's presence table has the node connected at {@code gatewayId}. */
    void awaitPresence(String clientId, String gatewayId, ClusterGateway... gateways) {
        await().atMost(WAIT).until(() -> {
            for (ClusterGateway g : gateways) {
                PresenceTable.Presence p = g.presence().lookup(clientId);
                if (p == null || !p.connected() || !p.gatewayId().equals(gatewayId)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** An application writes a command (with a correlation ID and, if > 0, a TTL). */
    void command(String clientId, String line, String correlationId, long ttlMs) throws Exception {
        if (app == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.brokers());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            app = new KafkaProducer<>(p);
        }
        ProducerRecord<String, String> r = new ProducerRecord<>(prefix + ".commands", clientId, line);
        r.headers().add(EspLinkKafkaHeaders.CORRELATION_ID, correlationId.getBytes(StandardCharsets.UTF_8));
        if (ttlMs > 0) {
            r.headers().add(EspLinkKafkaHeaders.TTL, String.valueOf(ttlMs).getBytes(StandardCharsets.UTF_8));
        }
        app.send(r).get(10, TimeUnit.SECONDS);
    }

    /** Every record of the topic now, partition by partition in offset order. */
    List<ConsumerRecord<String, String>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.brokers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(10))) {
                tps.add(new TopicPartition(topic, pi.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.currentTimeMillis() + 20_000;
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    /** Values of the node's records on the topic, in the node's (one partition's) order. */
    List<String> valuesOf(List<ConsumerRecord<String, String>> records, String clientId) {
        return records.stream().filter(r -> clientId.equals(r.key())).map(ConsumerRecord::value).toList();
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** correlation ID -> result JSON, the first of each, from the results topic. */
    Map<String, String> results() {
        Map<String, String> out = new HashMap<>();
        for (ConsumerRecord<String, String> r : readAll(prefix + ".command-results")) {
            out.putIfAbsent(header(r, EspLinkKafkaHeaders.CORRELATION_ID), r.value());
        }
        return out;
    }

    /** Whether the routers' group has committed the command topic to its end. */
    boolean commandsAllCommitted() throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets(prefix + "-command-router").partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                latest.put(new TopicPartition(prefix + ".commands", i), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            for (var e : ends.entrySet()) {
                long end = e.getValue().offset();
                OffsetAndMetadata c = committed.get(e.getKey());
                if (end > 0 && (c == null || c.offset() < end)) {
                    return false;
                }
            }
            return true;
        }
    }
}
