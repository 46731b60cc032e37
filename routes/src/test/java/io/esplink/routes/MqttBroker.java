package io.esplink.routes;

import java.nio.file.Path;

import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.test.AvailablePortFinder;

/** An embedded ActiveMQ Artemis with only an MQTT acceptor on 127.0.0.1 and a free port; nothing persisted. */
public final class MqttBroker implements AutoCloseable {

    public final int port;
    private final EmbeddedActiveMQ server = new EmbeddedActiveMQ();

    public MqttBroker() throws Exception {
        this(AvailablePortFinder.getNextAvailable());
    }

    public static MqttBroker onPort(int port) throws Exception {
        return new MqttBroker(port);
    }

    private MqttBroker(int port) throws Exception {
        this.port = port;
        Path dir = Path.of("target", "artemis", String.valueOf(port)).toAbsolutePath();
        Configuration config = new ConfigurationImpl();
        config.setPersistenceEnabled(false);
        config.setSecurityEnabled(false);
        config.setJMXManagementEnabled(false);
        config.setBrokerInstance(dir.toFile());
        config.addAcceptorConfiguration("mqtt", "tcp://127.0.0.1:" + port + "?protocols=MQTT");
        server.setConfiguration(config);
        server.start();
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
