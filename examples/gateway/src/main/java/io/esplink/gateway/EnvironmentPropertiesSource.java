package io.esplink.gateway;

import java.util.Locale;
import java.util.Map;

import org.apache.camel.Ordered;
import org.apache.camel.spi.PropertiesSource;

/**
 * Environment variables as properties, ranked above application.properties but below the --name=value arguments
 * (Camel's own environment lookup would rank them above the arguments). {@code esplink.http.send-timeout} is read
 * from {@code ESPLINK_HTTP_SEND_TIMEOUT}: upper case, with '.' and '-' as '_'.
 */
final class EnvironmentPropertiesSource implements PropertiesSource, Ordered {

    private final Map<String, String> env;

    EnvironmentPropertiesSource(Map<String, String> env) {
        this.env = env;
    }

    static String variableName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    @Override
    public String getName() {
        return "environment variables";
    }

    @Override
    public String getProperty(String name) {
        return env.get(variableName(name));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST;
    }
}
