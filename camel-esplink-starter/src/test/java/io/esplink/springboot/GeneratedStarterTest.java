package io.esplink.springboot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter follows the component: its generated sources are what StarterGenerator makes from the component's
 * esplink.json now (else they are rewritten and the test fails: rebuild and commit them), and the configuration
 * metadata that spring-boot-configuration-processor made from them names every option with its description.
 */
class GeneratedStarterTest {

    private static final Path COMPONENT_JSON = Path.of(System.getProperty("esplink.componentJson"));
    private static final Path SOURCES = Path.of(System.getProperty("esplink.starterSources"));

    @Test
    void generatedSources_matchTheComponentsDescriptor() throws Exception {
        List<String> changed = StarterGenerator.write(COMPONENT_JSON, SOURCES);
        assertThat(changed)
                .as("the component's options changed: src/generated of camel-esplink-starter was rewritten; rebuild "
                    + "and commit it")
                .isEmpty();
    }

    @Test
    void configurationMetadata_describesEveryOption_withItsDefault() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode options = mapper.readTree(COMPONENT_JSON.toFile()).get("componentProperties");
        JsonNode metadata;
        try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json").isNotNull();
            metadata = mapper.readTree(in);
        }
        var byName = new java.util.HashMap<String, JsonNode>();
        metadata.get("properties").forEach(p -> byName.put(p.get("name").asText(), p));
        options.fields().forEachRemaining(e -> {
            String name = "camel.component.esplink." + kebab(e.getKey());
            assertThat(byName).as(name).containsKey(name);
            JsonNode p = byName.get(name);
            assertThat(p.path("description").asText()).as(name).isNotBlank();
            JsonNode def = e.getValue().get("defaultValue");
            if (def != null && !e.getValue().get("type").asText().equals("object")) {
                assertThat(p.path("defaultValue").asText().toLowerCase()).as(name + " default")
                        .isEqualTo(def.asText().toLowerCase());
            }
        });
        assertThat(byName).containsKey("camel.component.esplink.enabled");
        assertThat(byName.get("camel.component.esplink.timeout").path("defaultValue").asText()).isEqualTo("2000");
        assertThat(Files.readString(SOURCES.resolve("EspLinkComponentConfiguration.java")))
                .contains("@ConfigurationProperties(prefix = \"camel.component.esplink\")");
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}
