package io.esplink.gateway;

import org.apache.camel.main.Main;

/** Starts the esplink gateway: Camel Main with the YAML routes of the gateway and application.properties. */
public final class Gateway {

    private Gateway() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main(Gateway.class);
        System.exit(main.run(args));
    }
}
