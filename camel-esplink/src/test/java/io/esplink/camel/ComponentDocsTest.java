package io.esplink.camel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The option tables of src/main/docs/esplink-component.adoc, between their START and END markers (as Camel's own
 * component docs have them), rendered from the component's esplink.json. When they are stale the test rewrites them
 * and fails: rebuild and commit the file. Also checks the catalog descriptor component.properties.
 */
class ComponentDocsTest {

    private static final Path JSON = Path.of("src/generated/resources/META-INF/io/esplink/camel/esplink.json");
    private static final Path DOC = Path.of("src/main/docs/esplink-component.adoc");
    private static final Path COMPONENT_PROPERTIES
            = Path.of("src/generated/resources/META-INF/services/org/apache/camel/component.properties");

    @Test
    void docOptionTables_matchTheMetadata() throws Exception {
        JsonNode root = new ObjectMapper().readTree(JSON.toFile());
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        String updated = doc;
        updated = replace(updated, "component options", optionsTable("component", root.get("componentProperties")));
        updated = replace(updated, "endpoint options", optionsTable("endpoint", root.get("properties")));
        updated = replace(updated, "component headers", headersTable(root.get("headers")));
        if (!updated.equals(doc)) {
            Files.writeString(DOC, updated, StandardCharsets.UTF_8);
        }
        assertThat(updated).as("%s was stale and has been rewritten from esplink.json: commit it", DOC).isEqualTo(doc);
    }

    @Test
    void componentProperties_nameTheComponent() throws Exception {
        String text = Files.readString(COMPONENT_PROPERTIES);
        assertThat(text).contains("components=esplink").contains("groupId=io.esplink")
                .contains("artifactId=camel-esplink");
        assertThat(Files.readString(JSON)).contains("\"scheme\": \"esplink\"");
    }

    private static String replace(String doc, String section, String content) {
        String start = "// " + section + ": START\n";
        String end = "// " + section + ": END";
        int i = doc.indexOf(start);
        int j = doc.indexOf(end);
        assertThat(i).as("marker " + start.trim()).isNotNegative();
        assertThat(j).as("marker " + end).isGreaterThan(i);
        return doc.substring(0, i + start.length()) + content + doc.substring(j);
    }

    private static String optionsTable(String kind, JsonNode options) {
        List<Map.Entry<String, JsonNode>> rows = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext();) {
            rows.add(it.next());
        }
        StringBuilder sb = new StringBuilder();
        if (kind.equals("component")) {
            sb.append("=== Component options\n\nThe EspLink component supports ").append(rows.size())
                    .append(" options, set as `camel.component.esplink.<option>` (kebab case in properties files) or on"
                            + " the component; each is the default of every endpoint that does not set it.\n\n");
        } else {
            sb.append("=== Endpoint options\n\nThe EspLink endpoint is configured using URI syntax `esplink:host:port`"
                      + " with ").append(rows.size()).append(" options: path parameters and query parameters.\n\n");
        }
        sb.append("[width=\"100%\",cols=\"2,5,^1,2\",options=\"header\"]\n|===\n| Name | Description | Default | Type\n");
        for (Map.Entry<String, JsonNode> e : rows) {
            JsonNode p = e.getValue();
            String label = p.path("kind").asText().equals("path") ? " (path)" : "";
            String group = p.path("group").asText();
            sb.append("| *").append(e.getKey()).append("*").append(label).append(" (").append(group).append(")")
                    .append(p.path("required").asBoolean() ? " *Required*" : "").append(" | ")
                    .append(cell(p.path("description").asText()));
            if (p.has("enum")) {
                sb.append(" Enum values: ");
                List<String> values = new ArrayList<>();
                p.get("enum").forEach(v -> values.add(v.asText()));
                sb.append(String.join(", ", values)).append('.');
            }
            sb.append(" | ").append(p.has("defaultValue") ? cell(p.get("defaultValue").asText()) : "")
                    .append(" | ").append(cell(shortType(p))).append('\n');
        }
        return sb.append("|===\n").toString();
    }

    private static String headersTable(JsonNode headers) {
        StringBuilder sb = new StringBuilder("=== Message headers\n\nThe EspLink component supports ")
                .append(headers.size()).append(" message headers.\n\n")
                .append("[width=\"100%\",cols=\"2,5,^1,2\",options=\"header\"]\n|===\n| Name | Description | Default | Type\n");
        headers.fields().forEachRemaining(e -> sb.append("| *").append(e.getKey()).append("* (")
                .append(e.getValue().path("group").asText()).append(") | ")
                .append(cell(e.getValue().path("description").asText())).append(" | | ")
                .append(cell(e.getValue().path("javaType").asText())).append('\n'));
        return sb.append("|===\n").toString();
    }

    private static String shortType(JsonNode p) {
        String type = p.path("type").asText();
        String javaType = p.path("javaType").asText();
        return type.equals("object") || type.equals("enum") ? javaType.substring(javaType.lastIndexOf('.') + 1) : type;
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
