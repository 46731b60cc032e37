package io.esplink.camel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * README.md's compatibility table (section Compatibility) says what the poms build with: each row's versions are the
 * properties of the pom that sets them, the MicroPython client's commit is the one examples/micropython was checked
 * against, and the build stays on one Camel line (Camel Spring Boot's release is Camel's, Camel Quarkus's BOM brings
 * the same 4.x line) but for the rows that say otherwise.
 */
class CompatibilityTableTest {

    private static final Path ROOT = Path.of(System.getProperty("esplink.root")).toAbsolutePath().normalize();
    private static final Path LOCAL_REPO = Path.of(System.getProperty("esplink.localRepository"));

    /** Row (its first cell) to the pom properties its version cell names, in order ("a / b"). */
    private static final Map<String, List<String[]>> ROWS = new LinkedHashMap<>();

    static {
        row("Camel", "pom.xml", "camel.version");
        row("camel-paho (the MQTT routes)", "pom.xml", "camel-paho.version");
        row("Camel JBang (the `camel run` check)", "examples/jbang/pom.xml", "camel-jbang.version");
        row("Camel Quarkus / Quarkus", "quarkus/pom.xml", "camel-quarkus.version", "quarkus/pom.xml", "quarkus.version");
        row("Camel Spring Boot / Spring Boot", "camel-esplink-starter/pom.xml", "camel-spring-boot.version",
                "camel-esplink-starter/pom.xml", "spring-boot.version");
        row("camel-karaf / Karaf", "karaf/pom.xml", "camel-karaf.version", "karaf/pom.xml", "karaf.version");
        row("Java", "pom.xml", "maven.compiler.release");
        row("Kafka client", "pom.xml", "kafka.version");
        row("MicroPython client"); // a commit, not a pom property: see micropythonClient_isTheCommitTheNodeWasCheckedOn
    }

    private static Map<String, String[]> table; // first cell -> the row's cells

    @BeforeAll
    static void readTable() throws IOException {
        table = new LinkedHashMap<>();
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("\n## Compatibility\n");
        assertThat(section).as("README.md has a section Compatibility").isNotNegative();
        boolean inTable = false;
        for (String line : readme.substring(section + 1).split("\n")) {
            if (line.startsWith("|")) {
                inTable = true;
                String[] cells = line.substring(1, line.endsWith("|") ? line.length() - 1 : line.length()).split("\\|");
                for (int i = 0; i < cells.length; i++) {
                    cells[i] = cells[i].trim();
                }
                if (!cells[0].equals("With") && !cells[0].startsWith("---")) {
                    table.put(cells[0], cells);
                }
            } else if (inTable) {
                break;
            }
        }
        assertThat(table).as("the rows of README.md's compatibility table").isNotEmpty();
    }

    @Test
    void everyRow_isOneTheTestKnows_andNoneIsMissing() {
        assertThat(table.keySet()).as("the rows of README.md's compatibility table")
                .containsExactlyInAnyOrderElementsOf(ROWS.keySet());
    }

    @Test
    void everyRowsVersions_areThePomsProperties() throws Exception {
        List<String> differ = new ArrayList<>();
        for (Map.Entry<String, List<String[]>> row : ROWS.entrySet()) {
            if (row.getValue().isEmpty() || !table.containsKey(row.getKey())) {
                continue;
            }
            List<String> expected = new ArrayList<>();
            List<String> where = new ArrayList<>();
            for (String[] p : row.getValue()) {
                expected.add(property(p[0], p[1]));
                where.add(p[0] + " " + p[1]);
            }
            String cell = table.get(row.getKey())[1];
            List<String> stated = List.of(cell.split("\\s*/\\s*"));
            if (!stated.equals(expected)) {
                differ.add("row '" + row.getKey() + "' says " + cell + ", the poms say " + String.join(" / ", expected)
                           + " (" + String.join(", ", where) + ")");
            }
        }
        assertThat(differ).as("README.md's compatibility table against the poms").isEmpty();
    }

    @Test
    void javaRelease_isTheSameInEveryPomThatSetsIt() throws Exception {
        String java = property("pom.xml", "maven.compiler.release");
        for (String pom : List.of("quarkus/pom.xml", "camel-esplink-starter/pom.xml")) {
            assertThat(property(pom, "maven.compiler.release")).as(pom + " maven.compiler.release (row 'Java')")
                    .isEqualTo(java);
        }
    }

    @Test
    void oneCamelLine_butForTheRowsThatSaySo() throws Exception {
        String camel = property("pom.xml", "camel.version");
        assertThat(property("camel-esplink-starter/pom.xml", "camel-spring-boot.version"))
                .as("row 'Camel Spring Boot / Spring Boot': Camel Spring Boot's release is Camel's")
                .isEqualTo(camel);
        // Camel Quarkus's BOM names its Camel; the table's notes say which
        String camelQuarkus = property("quarkus/pom.xml", "camel-quarkus.version");
        Path bom = LOCAL_REPO.resolve("org/apache/camel/quarkus/camel-quarkus-bom/" + camelQuarkus
                                      + "/camel-quarkus-bom-" + camelQuarkus + ".pom");
        Matcher notes = Pattern.compile("on Camel (\\d+\\.\\d+\\.\\d+)").matcher(table.get("Camel Quarkus / Quarkus")[2]);
        assertThat(notes.find()).as("row 'Camel Quarkus / Quarkus' says which Camel it is on").isTrue();
        assertThat(line(notes.group(1))).as("row 'Camel Quarkus / Quarkus': Camel %s is on Camel %s's line",
                notes.group(1), camel).isEqualTo(line(camel));
        if (Files.isRegularFile(bom)) {
            String xml = Files.readString(bom);
            Matcher core = Pattern.compile("<artifactId>camel-core-engine</artifactId>\\s*<version>([^<]+)</version>")
                    .matcher(xml);
            assertThat(core.find()).as("camel-core-engine in " + bom).isTrue();
            assertThat(notes.group(1)).as("row 'Camel Quarkus / Quarkus': the Camel of " + bom).isEqualTo(core.group(1));
        }
    }

    @Test
    void micropythonClient_isTheCommitTheNodeWasCheckedOn() throws IOException {
        String cell = table.get("MicroPython client")[1];
        assertThat(cell).as("row 'MicroPython client': a commit").matches("[0-9a-f]{7,40}");
        String node = Files.readString(ROOT.resolve("examples/micropython/README.md"), StandardCharsets.UTF_8);
        Matcher checked = Pattern.compile("`iot/client\\.py` \\(commit ([0-9a-f]{7,40})").matcher(node);
        assertThat(checked.find()).as("examples/micropython/README.md names the client's commit").isTrue();
        assertThat(cell).as("row 'MicroPython client' against examples/micropython/README.md").isEqualTo(checked.group(1));
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        Matcher protocol = Pattern.compile("upstream commit ([0-9a-f]{7,40})").matcher(readme);
        assertThat(protocol.find()).as("README.md's Compatibility names the protocol's upstream commit").isTrue();
        assertThat(cell).as("row 'MicroPython client' against README.md's protocol paragraph")
                .isEqualTo(protocol.group(1));
    }

    private static void row(String name, String... pomAndProperty) {
        List<String[]> p = new ArrayList<>();
        for (int i = 0; i < pomAndProperty.length; i += 2) {
            p.add(new String[] {pomAndProperty[i], pomAndProperty[i + 1]});
        }
        ROWS.put(name, p);
    }

    private static String line(String version) {
        String[] parts = version.split("\\.");
        return parts[0] + "." + parts[1];
    }

    /** A property of a pom's own properties section. */
    private static String property(String pom, String name) throws Exception {
        Element project = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder()
                .parse(ROOT.resolve(pom).toFile()).getDocumentElement();
        NodeList children = project.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node n = children.item(i);
            if (n instanceof Element e && e.getTagName().equals("properties")) {
                NodeList props = e.getElementsByTagName(name);
                if (props.getLength() > 0) {
                    return props.item(0).getTextContent().trim();
                }
            }
        }
        return fail("no property " + name + " in " + pom);
    }
}
