package io.esplink.routes;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kamelets of routes/kamelets keep the Apache Kamelet catalog's rules: name ending in its type, the catalog's
 * annotations (an SVG icon among them), Title-Case titles, a title, description and valid type for every property,
 * defaults of the property's type, every property used by the template and every placeholder declared; and they agree
 * with the component: a property named like a component option has that option's default and a matching type.
 */
class KameletCatalogRulesTest {

    private static final Path DIR = Path.of("kamelets");
    private static final Set<String> TYPES = Set.of("string", "integer", "number", "boolean", "object", "array");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\??([A-Za-z0-9_.-]+)(?::[^}]*)?}}");

    @Test
    void everyKamelet_keepsTheCatalogsRules_andTheComponentsDefaults() throws Exception {
        JsonNode component = componentMetadata();
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".kamelet.yaml")).sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("esplink-sink.kamelet.yaml", "esplink-source.kamelet.yaml");
        for (Path file : files) {
            check(file, component);
        }
    }

    @SuppressWarnings("unchecked")
    private static void check(Path file, JsonNode component) throws Exception {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Map<String, Object> k = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
        String where = file.getFileName().toString();
        assertThat(k.get("apiVersion")).as(where).isEqualTo("camel.apache.org/v1");
        assertThat(k.get("kind")).as(where).isEqualTo("Kamelet");

        Map<String, Object> metadata = (Map<String, Object>) k.get("metadata");
        String name = (String) metadata.get("name");
        assertThat(where).isEqualTo(name + ".kamelet.yaml");
        Map<String, Object> labels = (Map<String, Object>) metadata.get("labels");
        String type = (String) labels.get("camel.apache.org/kamelet.type");
        assertThat(type).as(where).isIn("source", "sink", "action");
        assertThat(name).as(where + ": the name ends with its type").endsWith("-" + type);

        Map<String, Object> annotations = (Map<String, Object>) metadata.get("annotations");
        assertThat(annotations).as(where).containsKeys("camel.apache.org/kamelet.support.level",
                "camel.apache.org/catalog.version", "camel.apache.org/kamelet.icon", "camel.apache.org/provider",
                "camel.apache.org/kamelet.group");
        assertThat((String) annotations.get("camel.apache.org/kamelet.support.level")).isIn("Stable", "Preview",
                "Deprecated");
        String icon = (String) annotations.get("camel.apache.org/kamelet.icon");
        assertThat(icon).as(where + " icon").startsWith("data:image/svg+xml;base64,");
        assertThat(new String(Base64.getDecoder().decode(icon.substring(icon.indexOf(',') + 1)),
                StandardCharsets.UTF_8)).as(where + " icon").startsWith("<svg").endsWith("</svg>");

        Map<String, Object> spec = (Map<String, Object>) k.get("spec");
        Map<String, Object> definition = (Map<String, Object>) spec.get("definition");
        assertTitleCase(where, (String) definition.get("title"));
        assertThat((String) definition.get("description")).as(where).isNotBlank();
        assertThat(definition.get("type")).isEqualTo("object");
        Map<String, Map<String, Object>> properties = (Map<String, Map<String, Object>>) definition.get("properties");
        List<String> required = (List<String>) definition.getOrDefault("required", List.of());
        assertThat(properties.keySet()).as(where + " required").containsAll(required);
        assertThat((List<String>) spec.get("dependencies")).as(where).contains("camel:kamelet")
                .anyMatch(d -> d.startsWith("mvn:io.esplink:camel-esplink:"));

        String template = text.substring(text.indexOf("\n  template:"));
        Set<String> used = new HashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            used.add(m.group(1));
        }
        assertThat(properties.keySet()).as(where + ": every placeholder of the template is a property")
                .containsAll(used);
        assertThat(used).as(where + ": every property is used by the template").containsAll(properties.keySet());

        List<String> problems = new ArrayList<>();
        properties.forEach((prop, p) -> {
            String at = where + " " + prop;
            assertTitleCase(at, (String) p.get("title"));
            assertThat((String) p.get("description")).as(at).isNotBlank();
            String t = (String) p.get("type");
            assertThat(t).as(at).isIn(TYPES);
            Object def = p.get("default");
            if (def != null) {
                switch (t) {
                    case "integer" -> assertThat(def).as(at + " default").isInstanceOfAny(Integer.class, Long.class);
                    case "boolean" -> assertThat(def).as(at + " default").isInstanceOf(Boolean.class);
                    case "string" -> assertThat(def).as(at + " default").isInstanceOf(String.class);
                    default -> { }
                }
                if (p.containsKey("enum")) {
                    assertThat((List<Object>) p.get("enum")).as(at).contains(def);
                }
            }
            JsonNode option = component.path("properties").path(prop);
            if (option.isMissingNode()) {
                option = component.path("componentProperties").path(prop);
            }
            if (!option.isMissingNode()) {
                String ot = option.path("type").asText();
                String expected = switch (ot) {
                    case "duration", "integer" -> "integer";
                    case "boolean" -> "boolean";
                    default -> "string";
                };
                if (!expected.equals(t)) {
                    problems.add(at + ": type " + t + ", the component's option is " + ot);
                }
                JsonNode od = option.get("defaultValue");
                if (od != null && def != null && !od.asText().equals(String.valueOf(def))) {
                    problems.add(at + ": default " + def + ", the component's is " + od.asText());
                }
                if (od != null && def == null && !required.contains(prop)) {
                    problems.add(at + ": no default, the component's is " + od.asText());
                }
            }
        });
        assertThat(problems).as(where + ": agreement with the component").isEmpty();
    }

    private static void assertTitleCase(String where, String title) {
        assertThat(title).as(where + " title").isNotBlank();
        for (String word : title.split(" ")) {
            assertThat(Character.isUpperCase(word.charAt(0))).as(where + ": '" + title + "' is Title Case").isTrue();
        }
    }

    private static JsonNode componentMetadata() throws Exception {
        try (InputStream in = KameletCatalogRulesTest.class.getResourceAsStream("/META-INF/io/esplink/camel/esplink.json")) {
            assertThat(in).as("esplink.json of camel-esplink").isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }
}
