package io.esplink.quarkus.deployment;

import java.util.List;

import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.nativeimage.NativeImageResourceBuildItem;
import io.quarkus.deployment.builditem.nativeimage.ReflectiveClassBuildItem;
import io.quarkus.deployment.builditem.nativeimage.RuntimeInitializedClassBuildItem;

/**
 * What a Quarkus application with camel-esplink needs at build time. In JVM mode only the feature; for a native image
 * the classes the component and the ready YAML routes reach by reflection, the component's descriptor files, and the
 * classes that must not be initialised in the image.
 * <ul>
 * <li>the component and its generated configurers, URI factory and descriptor (Camel looks them up by name through
 * {@code META-INF/services/org/apache/camel/...});</li>
 * <li>{@code io.esplink.camel.EspLinkRecords}: the routes call it as {@code beanType:} (static methods);</li>
 * <li>the stores {@code io.esplink.camel.store.*}: the routes make them as {@code beans:} with properties, init and
 * destroy methods, and call {@code store} as a bean method;</li>
 * <li>the options' types (the configuration, the enums) and the records Jackson writes.</li>
 * </ul>
 */
public class EspLinkProcessor {

    static final String FEATURE = "camel-esplink";

    static final List<String> REFLECTIVE = List.of(
            "io.esplink.camel.EspLinkComponent",
            "io.esplink.camel.EspLinkEndpoint",
            "io.esplink.camel.EspLinkConfiguration",
            "io.esplink.camel.EspLinkComponentConfigurer",
            "io.esplink.camel.EspLinkEndpointConfigurer",
            "io.esplink.camel.EspLinkEndpointUriFactory",
            "io.esplink.camel.EspLinkRecords",
            "io.esplink.camel.EspLinkMessage",
            "io.esplink.camel.EspLinkEvent",
            "io.esplink.camel.EspLinkConstants",
            "io.esplink.camel.store.MessageStore",
            "io.esplink.camel.store.JsonLinesStore",
            "io.esplink.camel.store.JdbcStore",
            "io.esplink.camel.store.StoreHealthCheck",
            "io.esplink.core.AckMode",
            "io.esplink.core.DuplicateClientPolicy",
            "io.esplink.core.CredentialStore",
            "io.esplink.core.CredentialsFile",
            "io.esplink.core.WindowStore");

    static final List<String> RESOURCES = List.of(
            "META-INF/services/org/apache/camel/component/esplink",
            "META-INF/services/org/apache/camel/configurer/esplink-component",
            "META-INF/services/org/apache/camel/configurer/esplink-endpoint",
            "META-INF/services/org/apache/camel/urifactory/esplink-endpoint",
            "META-INF/io/esplink/camel/esplink.json");

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    @BuildStep
    void reflection(BuildProducer<ReflectiveClassBuildItem> reflective) {
        reflective.produce(ReflectiveClassBuildItem.builder(REFLECTIVE.toArray(String[]::new))
                .constructors().methods().fields().build());
    }

    @BuildStep
    NativeImageResourceBuildItem resources() {
        return new NativeImageResourceBuildItem(RESOURCES);
    }

    @BuildStep
    void runtimeInitialized(BuildProducer<RuntimeInitializedClassBuildItem> runtimeInitialized) {
        // a SecureRandom seeded at build time would be the same in every process started from the image
        runtimeInitialized.produce(new RuntimeInitializedClassBuildItem("io.esplink.core.Secrets"));
        // whether epoll loads is a property of the machine that runs the image
        runtimeInitialized.produce(new RuntimeInitializedClassBuildItem("io.esplink.core.Transports"));
    }
}
