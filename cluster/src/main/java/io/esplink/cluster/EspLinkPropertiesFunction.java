package io.esplink.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.PropertiesFunction;

/**
 * The placeholder function {@code {{esplink:gateway-id}}}: the gateway's ID, which is the property
 * {@code esplink.gateway.id} when set, else this machine's host name. Route files use it wherever the ID names
 * something (the gateway's command topic, its consumer groups, the gateway ID of presence records and telemetry).
 * Camel finds the function by its name ({@code META-INF/services/org/apache/camel/properties-function/esplink}).
 * <p>
 * A gateway ID names a Kafka topic, so it is 1-100 characters of {@code A-Z a-z 0-9 . _ -}: a configured ID
 * that is not fails the start; a host name is made to fit (other characters become {@code -}).
 */
public class EspLinkPropertiesFunction implements PropertiesFunction, CamelContextAware {

    /** The property that sets the gateway's ID. */
    public static final String GATEWAY_ID_PROPERTY = "esplink.gateway.id";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private CamelContext camelContext;

    @Override
    public String getName() {
        return "esplink";
    }

    @Override
    public String apply(String remainder) {
        if ("gateway-id".equals(remainder == null ? null : remainder.trim())) {
            String configured = camelContext == null ? null
                    : camelContext.getPropertiesComponent().resolveProperty(GATEWAY_ID_PROPERTY).orElse(null);
            return gatewayId(configured);
        }
        throw new IllegalArgumentException("Unknown placeholder {{esplink:" + remainder + "}}: the one known is "
                                           + "{{esplink:gateway-id}}");
    }

    /** {@code configured} if set (checked), else the host name made safe. */
    public static String gatewayId(String configured) {
        if (configured != null && !configured.isBlank()) {
            String id = configured.trim();
            if (!VALID.matcher(id).matches()) {
                throw new IllegalArgumentException(GATEWAY_ID_PROPERTY + " '" + id + "' cannot name a Kafka topic: "
                                                   + "use 1-100 characters of A-Z a-z 0-9 . _ -");
            }
            return id;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "esplink-gateway");
        }
        String safe = host.replaceAll("[^A-Za-z0-9._-]", "-");
        if (safe.isEmpty()) {
            safe = "esplink-gateway";
        }
        return safe.length() > 100 ? safe.substring(0, 100) : safe;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }
}
