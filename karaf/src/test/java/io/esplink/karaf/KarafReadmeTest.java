package io.esplink.karaf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import aQute.bnd.version.VersionRange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Karaf lines are the features file's: its {@code feature:repo-add} lines name the repositories that
 * features.xml references (camel-karaf's apache-camel at the version the file names) and then esplink's own, its
 * {@code feature:install} a feature of the file, and the Camel range it states is the one the feature asks camel-core in.
 */
class KarafReadmeTest {

    private static final Path FEATURES = Path.of(System.getProperty("esplink.features"));
    private static final String PROJECT_VERSION = System.getProperty("esplink.project.version");

    private static Document features;

    @BeforeAll
    static void load() throws Exception {
        features = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder().parse(FEATURES.toFile());
    }

    @Test
    void repoAddLines_areTheFeaturesFilesRepositories_thenEsplinks() {
        List<String> expected = new ArrayList<>(FeaturesTest.childElements(features.getDocumentElement(), "repository")
                .stream().map(e -> e.getTextContent().trim()).toList());
        expected.add("mvn:io.esplink/camel-esplink-features/" + PROJECT_VERSION + "/xml/features");
        assertThat(ReadmeKaraf.arguments("feature:repo-add"))
                .as("the README's feature:repo-add lines (%s), against %s", ReadmeKaraf.README, FEATURES)
                .containsExactlyElementsOf(expected);
    }

    @Test
    void installLine_isAFeatureOfTheFile() {
        List<String> names = FeaturesTest.childElements(features.getDocumentElement(), "feature").stream()
                .map(e -> e.getAttribute("name")).toList();
        assertThat(ReadmeKaraf.arguments("feature:install")).as("the README's feature:install line")
                .containsExactly("camel-esplink");
        assertThat(names).contains("camel-esplink");
        assertThat(ReadmeKaraf.consoleLines()).as("the README's Karaf console lines")
                .allMatch(l -> l.startsWith("feature:repo-add ") || l.startsWith("feature:install "));
    }

    @Test
    void statedCamelRange_isTheFeaturesCamelCoreRange() {
        Element feature = FeaturesTest.childElements(features.getDocumentElement(), "feature").stream()
                .filter(e -> e.getAttribute("name").equals("camel-esplink")).findFirst().orElseThrow();
        String camelCore = FeaturesTest.childElements(feature, "feature").stream()
                .filter(e -> e.getTextContent().trim().equals("camel-core")).findFirst().orElseThrow()
                .getAttribute("version");
        assertThat(new VersionRange(ReadmeKaraf.camelRange())).as("README: \"Camel imported as\"")
                .hasToString(new VersionRange(camelCore).toString());
    }
}
