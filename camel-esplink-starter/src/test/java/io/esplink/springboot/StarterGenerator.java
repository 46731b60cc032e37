package io.esplink.springboot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Writes the starter's {@code EspLinkComponentConfiguration} and {@code EspLinkComponentConverter} from the
 * component's descriptor ({@code esplink.json}, made by camel-component-maven-plugin), in the shape Camel's own
 * starters have: a {@code camel.component.esplink} {@code @ConfigurationProperties} class with one documented field
 * per component option (boxed, its default as initializer, so that spring-boot-configuration-processor puts
 * description and default into {@code META-INF/spring-configuration-metadata.json}), and a converter of
 * {@code #bean:name} references for the options that are objects.
 */
final class StarterGenerator {

    static final String PACKAGE = "io.esplink.springboot";

    private StarterGenerator() {
    }

    /** Regenerates the sources: {@code StarterGenerator <esplink.json> <source directory>}. */
    public static void main(String[] args) throws IOException {
        System.out.println("changed: " + write(Path.of(args[0]), Path.of(args[1])));
    }

    /** The generated sources, file name to content. */
    static Map<String, String> generate(Path componentJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(componentJson.toFile());
        JsonNode props = root.get("componentProperties");
        String componentType = root.get("component").get("javaType").asText();
        StringBuilder fields = new StringBuilder();
        StringBuilder accessors = new StringBuilder();
        Set<String> objectTypes = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode p = e.getValue();
            String javaType = p.get("javaType").asText();
            String kind = p.get("type").asText();
            String type = boxed(javaType, kind);
            if (kind.equals("object")) {
                objectTypes.add(javaType);
            }
            fields.append("    /**\n").append(javadoc(p)).append("     */\n");
            if (p.path("deprecated").asBoolean(false)) {
                fields.append("    @Deprecated\n");
            }
            fields.append("    private ").append(type).append(' ').append(name);
            String init = initializer(p, type, javaType, kind);
            if (init != null) {
                fields.append(" = ").append(init);
            }
            fields.append(";\n");
            String cap = Character.toUpperCase(name.charAt(0)) + name.substring(1);
            accessors.append("\n    public ").append(type).append(" get").append(cap).append("() {\n        return ")
                    .append(name).append(";\n    }\n\n    public void set").append(cap).append('(').append(type)
                    .append(' ').append(name).append(") {\n        this.").append(name).append(" = ").append(name)
                    .append(";\n    }\n");
        }
        Map<String, String> files = new LinkedHashMap<>();
        files.put("EspLinkComponentConfiguration.java", HEADER + "package " + PACKAGE + ";\n\n"
                + "import org.apache.camel.spring.boot.ComponentConfigurationPropertiesCommon;\n"
                + "import org.springframework.boot.context.properties.ConfigurationProperties;\n\n"
                + "/**\n * " + root.get("component").get("description").asText() + "\n * <p>\n"
                + " * The options of the esplink component (" + componentType + "), set as\n"
                + " * {@code camel.component.esplink.<option>} (kebab case). Generated from esplink.json by\n"
                + " * StarterGenerator: do not edit.\n */\n"
                + "@ConfigurationProperties(prefix = \"camel.component.esplink\")\n"
                + "public class EspLinkComponentConfiguration extends ComponentConfigurationPropertiesCommon {\n\n"
                + "    /**\n     * Whether to enable auto configuration of the esplink component. This is enabled by default.\n"
                + "     */\n    private Boolean enabled;\n"
                + fields + accessors + "}\n");
        files.put("EspLinkComponentConverter.java", converter(objectTypes));
        return files;
    }

    /** Writes the sources into {@code dir}; returns the names of the files that changed. */
    static List<String> write(Path componentJson, Path dir) throws IOException {
        List<String> changed = new ArrayList<>();
        Files.createDirectories(dir);
        for (Map.Entry<String, String> f : generate(componentJson).entrySet()) {
            Path file = dir.resolve(f.getKey());
            if (!Files.exists(file) || !Files.readString(file).equals(f.getValue())) {
                Files.writeString(file, f.getValue());
                changed.add(f.getKey());
            }
        }
        return changed;
    }

    private static String converter(Set<String> types) {
        StringBuilder pairs = new StringBuilder();
        StringBuilder cases = new StringBuilder();
        for (String t : types) {
            pairs.append("        answer.add(new ConvertiblePair(String.class, ").append(t).append(".class));\n");
        }
        return HEADER + "package " + PACKAGE + ";\n\n"
               + "import java.util.LinkedHashSet;\n"
               + "import java.util.Set;\n\n"
               + "import org.springframework.beans.factory.annotation.Autowired;\n"
               + "import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;\n"
               + "import org.springframework.context.ApplicationContext;\n"
               + "import org.springframework.context.annotation.Configuration;\n"
               + "import org.springframework.core.convert.TypeDescriptor;\n"
               + "import org.springframework.core.convert.converter.GenericConverter;\n\n"
               + "/**\n * Turns {@code #bean:name} (or {@code #name}) in {@code camel.component.esplink.*} into that bean,\n"
               + " * for the options that are objects. Generated from esplink.json by StarterGenerator: do not edit.\n */\n"
               + "@Configuration(proxyBeanMethods = false)\n"
               + "@ConfigurationPropertiesBinding\n"
               + "public class EspLinkComponentConverter implements GenericConverter {\n\n"
               + "    @Autowired\n"
               + "    private ApplicationContext applicationContext;\n\n"
               + "    @Override\n"
               + "    public Set<ConvertiblePair> getConvertibleTypes() {\n"
               + "        Set<ConvertiblePair> answer = new LinkedHashSet<>();\n"
               + pairs
               + "        return answer;\n"
               + "    }\n\n"
               + "    @Override\n"
               + "    public Object convert(Object source, TypeDescriptor sourceType, TypeDescriptor targetType) {\n"
               + "        if (source == null) {\n"
               + "            return null;\n"
               + "        }\n"
               + "        String ref = source.toString();\n"
               + "        if (!ref.startsWith(\"#\")) {\n"
               + "            return null;\n"
               + "        }\n"
               + "        ref = ref.startsWith(\"#bean:\") ? ref.substring(6) : ref.substring(1);\n"
               + "        return applicationContext.getBean(ref, targetType.getType());\n"
               + "    }\n"
               + "}\n" + cases;
    }

    private static String boxed(String javaType, String kind) {
        return switch (javaType) {
            case "boolean" -> "Boolean";
            case "int" -> "Integer";
            case "long" -> kind.equals("duration") ? "String" : "Long";
            case "java.lang.String" -> "String";
            default -> kind.equals("duration") ? "String" : javaType;
        };
    }

    private static String initializer(JsonNode p, String type, String javaType, String kind) {
        JsonNode d = p.get("defaultValue");
        if (d == null || d.isNull()) {
            return null;
        }
        String v = d.asText();
        return switch (type) {
            case "Boolean" -> v;
            case "Integer" -> v;
            case "Long" -> v + "L";
            case "String" -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            default -> kind.equals("enum") ? javaType + "." + enumConstant(p, v) : null;
        };
    }

    private static String enumConstant(JsonNode p, String value) {
        return value.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    private static String javadoc(JsonNode p) {
        String text = p.get("description").asText().replace("*/", "*&#47;");
        StringBuilder sb = new StringBuilder();
        StringBuilder line = new StringBuilder("    *");
        for (String word : text.split("\\s+")) {
            if (line.length() + word.length() + 1 > 116) {
                sb.append(line).append('\n');
                line = new StringBuilder("    *");
            }
            line.append(' ').append(word);
        }
        sb.append(line).append('\n');
        return sb.toString().replace("\n    *", "\n     *").replaceFirst("^    \\*", "     *");
    }

    private static final String HEADER = "/* Generated by StarterGenerator from the esplink component's esplink.json: do not edit. */\n";
}
