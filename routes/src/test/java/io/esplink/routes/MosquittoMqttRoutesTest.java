package io.esplink.routes;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The MQTT route files against a Mosquitto on 127.0.0.1:1883, when one runs there (.ci/run installs and starts
 * Debian's mosquitto); skipped otherwise.
 */
class MosquittoMqttRoutesTest extends MqttRoutesContract {

    static final String URL = "tcp://127.0.0.1:1883";

    @BeforeAll
    static void mosquittoIsThere() {
        boolean reachable;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 1883), 500);
            reachable = true;
        } catch (IOException e) {
            reachable = false;
        }
        assumeTrue(reachable, "no MQTT broker on 127.0.0.1:1883");
    }

    @Override
    String brokerUrl() {
        return URL;
    }
}
