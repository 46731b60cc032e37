package io.esplink.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.camel.test.AvailablePortFinder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * One Kafka broker in this JVM, in KRaft mode (broker and controller in one node), on loopback, shared by the test
 * classes of the module (each test uses topics of its own). Two listeners: {@link #brokers()} for everyone, and one
 * reached only through {@link #proxy()}, so that a test can cut one gateway off Kafka at once, as a crash of its
 * machine would.
 */
final class KafkaBroker {

    private static KafkaBroker shared;

    private final Path dir;
    private final int port;
    private final TcpProxy proxy;
    private final KafkaRaftServer server;

    private KafkaBroker() throws Exception {
        dir = Files.createTempDirectory("esplink-kafka");
        port = AvailablePortFinder.getNextAvailable();
        int proxied = AvailablePortFinder.getNextAvailable();
        int controller = AvailablePortFinder.getNextAvailable();
        proxy = new TcpProxy("kafka-proxy", List.of(proxied));
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controller);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",PROXIED://127.0.0.1:" + proxied
                           + ",CONTROLLER://127.0.0.1:" + controller);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + ",PROXIED://127.0.0.1:" + proxy.port());
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.min.session.timeout.ms", "1000");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        KafkaConfig config = KafkaConfig.fromProps(p);
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(dir.toString()))
                .setMetadataLogDirectory(dir.toString())
                .setControllerListenerName("CONTROLLER")
                .run();
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        }
    }

    /** The broker of this JVM, started at the first call and stopped when the JVM exits. */
    static synchronized KafkaBroker shared() {
        if (shared == null) {
            try {
                shared = new KafkaBroker();
            } catch (Exception e) {
                throw new IllegalStateException("Cannot start the test Kafka broker", e);
            }
            KafkaBroker b = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(b::stop, "kafka-broker-stop"));
        }
        return shared;
    }

    String brokers() {
        return "127.0.0.1:" + port;
    }

    /** The proxy in front of the second listener: a gateway bootstrapped on it reaches Kafka only through it. */
    TcpProxy proxy() {
        return proxy;
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers()));
    }

    private void stop() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            // the JVM is exiting
        }
        proxy.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // left in the temp directory
        }
    }
}
