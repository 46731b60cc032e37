package io.esplink.karaf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import aQute.bnd.header.Attrs;
import aQute.bnd.header.Parameters;
import aQute.bnd.version.Version;
import aQute.bnd.version.VersionRange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OSGi side, without a Karaf (camel-karaf's features are not to be had here): camel-esplink's bundle headers, and
 * the feature camel-esplink of features.xml, each of whose bundles must be a bundle this build has, and which together
 * must export, in the versions asked for, every package that they import (Camel's own packages aside: camel-karaf's
 * camel-core feature brings them).
 */
class FeaturesTest {

    private static final Path FEATURES = Path.of(System.getProperty("esplink.features"));
    private static final Path BUNDLES = Path.of(System.getProperty("esplink.bundles"));
    private static final String CAMEL_VERSION = System.getProperty("esplink.camel.version");
    private static final String CAMEL_KARAF_VERSION = System.getProperty("esplink.camelKaraf.version");
    private static final Pattern MVN = Pattern.compile("mvn:([^/]+)/([^/]+)/([^/]+)(?:/([^/]+)(?:/([^/]+))?)?");
    private static final Set<String> ESPLINK_PACKAGES = Set.of("io.esplink.camel", "io.esplink.camel.metrics",
            "io.esplink.camel.store", "io.esplink.core");

    private static Document features;
    private static Map<String, Manifest> bundles; // mvn URL to manifest
    private static Manifest esplink;

    @BeforeAll
    static void load() throws Exception {
        features = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder().parse(FEATURES.toFile());
        bundles = new HashMap<>();
        for (String url : bundleUrls()) {
            Path jar = jarOf(url);
            assertThat(jar).as(url + " in the build (" + jar + ")").isRegularFile();
            try (JarFile f = new JarFile(jar.toFile())) {
                bundles.put(url, f.getManifest());
            }
        }
        esplink = bundles.entrySet().stream().filter(e -> e.getKey().startsWith("mvn:io.esplink/camel-esplink/"))
                .findFirst().orElseThrow().getValue();
    }

    // ---- camel-esplink's bundle ----

    @Test
    void esplinkBundle_exportsItsPackages_versioned() {
        Attributes a = esplink.getMainAttributes();
        assertThat(a.getValue("Bundle-ManifestVersion")).isEqualTo("2");
        assertThat(a.getValue("Bundle-SymbolicName")).isEqualTo("io.esplink.camel-esplink");
        Parameters exports = new Parameters(a.getValue("Export-Package"));
        assertThat(exports.keySet()).containsExactlyInAnyOrderElementsOf(ESPLINK_PACKAGES);
        exports.forEach((pkg, attrs) -> assertThat(attrs.getVersion()).as(pkg).isEqualTo("0.1.0"));
        assertThat(a.getValue("Require-Capability")).contains("(osgi.ee=JavaSE)(version=17)");
    }

    @Test
    void esplinkBundle_importsWithVersionRanges_epollOptional() {
        Parameters imports = new Parameters(esplink.getMainAttributes().getValue("Import-Package"));
        assertThat(imports.keySet()).contains("org.apache.camel", "io.netty.channel", "com.fasterxml.jackson.databind",
                "org.slf4j");
        imports.forEach((pkg, attrs) -> {
            if (pkg.startsWith("javax.")) {
                return; // the JVM's, exported by the system bundle without a version
            }
            String range = attrs.getVersion();
            assertThat(range).as("version range of the import of " + pkg).isNotNull();
            VersionRange r = new VersionRange(range);
            assertThat(r.isRange()).as(pkg + " " + range + " is a range").isTrue();
            assertThat(r.getHigh()).as(pkg + " " + range + " has an upper bound").isNotEqualTo(Version.HIGHEST);
        });
        assertThat(new VersionRange(imports.get("org.apache.camel").getVersion()).includes(new Version(CAMEL_VERSION)))
                .as("the Camel range holds the Camel version built against").isTrue();
        // the Camel line it was built on, and no other: [4.18,4.19) for 4.18.x
        Version built = new Version(CAMEL_VERSION);
        String line = "[" + built.getMajor() + "." + built.getMinor() + "," + built.getMajor() + "."
                      + (built.getMinor() + 1) + ")";
        imports.forEach((pkg, attrs) -> {
            if (pkg.startsWith("org.apache.camel")) {
                assertThat(new VersionRange(attrs.getVersion())).as("the import range of " + pkg)
                        .hasToString(new VersionRange(line).toString());
            }
        });
        assertThat(imports.get("io.netty.channel.epoll").get("resolution:")).isEqualTo("optional");
        // Micrometer only where it is installed: the meters are bound when a MeterRegistry is found
        assertThat(imports.keySet()).anyMatch(p -> p.startsWith("io.micrometer."));
        imports.forEach((pkg, attrs) -> {
            if (pkg.startsWith("io.micrometer.")) {
                assertThat(attrs.get("resolution:")).as(pkg + " is optional").isEqualTo("optional");
            } else if (!pkg.equals("io.netty.channel.epoll")) {
                assertThat(attrs.get("resolution:")).as(pkg + " is mandatory").isNull();
            }
        });
    }

    @Test
    void esplinkBundle_hasNoPrivatePackages_andItsExportsUseNone() throws IOException {
        Path jar = jarOf("mvn:io.esplink/camel-esplink/" + version("camel-esplink"));
        Set<String> packages;
        try (JarFile f = new JarFile(jar.toFile())) {
            packages = f.stream().map(e -> e.getName())
                    .filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/"))
                    .map(n -> n.substring(0, n.lastIndexOf('/')).replace('/', '.')).collect(Collectors.toSet());
        }
        Attributes a = esplink.getMainAttributes();
        Parameters exports = new Parameters(a.getValue("Export-Package"));
        Parameters imports = new Parameters(a.getValue("Import-Package"));
        assertThat(exports.keySet()).as("every package with classes is exported").containsAll(packages);
        assertThat(a.getValue("Private-Package")).isNull();
        exports.forEach((pkg, attrs) -> {
            String uses = attrs.get("uses:");
            if (uses == null) {
                return;
            }
            for (String used : uses.split(",")) {
                assertThat(exports.containsKey(used) || imports.containsKey(used) || used.startsWith("java."))
                        .as(pkg + " uses " + used + ", which is neither exported nor imported").isTrue();
            }
        });
    }

    // ---- the feature ----

    @Test
    void feature_camelEsplink_listsBundlesTheBuildHas_andCamelsCoreFeature() {
        Element feature = feature("camel-esplink");
        assertThat(feature.getAttribute("version")).isEqualTo(version("camel-esplink"));
        assertThat(childTexts(feature, "feature")).containsExactly("camel-core");
        assertThat(childTexts(features.getDocumentElement(), "repository"))
                .containsExactly("mvn:org.apache.camel.karaf/apache-camel/" + CAMEL_KARAF_VERSION + "/xml/features");
        // camel-karaf's camel-core (its version is camel-karaf's) in the range the bundle imports Camel in
        Element camelCore = childElements(feature, "feature").get(0);
        VersionRange range = new VersionRange(camelCore.getAttribute("version"));
        assertThat(range).as("camel-core's range").hasToString(new VersionRange(
                new Parameters(esplink.getMainAttributes().getValue("Import-Package")).get("org.apache.camel")
                        .getVersion()).toString());
        assertThat(range.includes(new Version(CAMEL_KARAF_VERSION))).as(range + " holds camel-karaf's "
                + CAMEL_KARAF_VERSION).isTrue();
        assertThat(bundleUrls()).hasSizeGreaterThan(5).doesNotHaveDuplicates();
        bundles.forEach((url, manifest) -> {
            Attributes a = manifest.getMainAttributes();
            assertThat(a.getValue("Bundle-SymbolicName")).as(url + " is a bundle").isNotBlank();
            assertThat(a.getValue("Bundle-ManifestVersion")).as(url).isEqualTo("2");
        });
    }

    @Test
    void feature_bundlesExportEveryPackageTheyImport_inRange() {
        Map<String, List<Version>> exported = new HashMap<>();
        Map<String, String> fragmentHosts = new HashMap<>();
        Set<String> symbolicNames = new HashSet<>();
        bundles.forEach((url, m) -> {
            Attributes a = m.getMainAttributes();
            symbolicNames.add(new Parameters(a.getValue("Bundle-SymbolicName")).keySet().iterator().next());
            String host = a.getValue("Fragment-Host");
            if (host != null) {
                fragmentHosts.put(url, new Parameters(host).keySet().iterator().next());
            }
            new Parameters(a.getValue("Export-Package")).forEach((pkg, attrs) -> exported
                    .computeIfAbsent(stripMarker(pkg), k -> new ArrayList<>())
                    .add(new Version(attrs.getVersion() == null ? "0" : attrs.getVersion())));
        });
        fragmentHosts.forEach((url, host) -> assertThat(symbolicNames).as(url + "'s host").contains(host));
        List<String> missing = new ArrayList<>();
        bundles.forEach((url, m) -> {
            String header = m.getMainAttributes().getValue("Import-Package");
            if (header == null) {
                return;
            }
            new Parameters(header).forEach((raw, attrs) -> {
                String pkg = stripMarker(raw);
                if ("optional".equals(attrs.get("resolution:")) || provided(pkg)) {
                    return;
                }
                VersionRange range = new VersionRange(attrs.getVersion() == null ? "0" : attrs.getVersion());
                List<Version> versions = exported.getOrDefault(pkg, Collections.emptyList());
                if (versions.stream().noneMatch(range::includes)) {
                    missing.add(url + " imports " + pkg + " " + range + ", exported: " + versions);
                }
            });
        });
        assertThat(missing).as("imports no bundle of the feature exports").isEmpty();
    }

    /** What the feature does not bring: the JVM's packages, Camel's (camel-core), logging (Karaf's pax-logging). */
    private static boolean provided(String pkg) {
        return pkg.startsWith("java.") || pkg.startsWith("javax.") || pkg.startsWith("sun.")
               || pkg.startsWith("org.w3c.") || pkg.startsWith("org.xml.") || pkg.startsWith("org.ietf.")
               || pkg.startsWith("org.apache.camel") || pkg.equals("org.slf4j") || pkg.startsWith("org.slf4j.");
    }

    /** A header's key without the '~' bnd's parser appends to a repeated one. */
    private static String stripMarker(String key) {
        return key.replaceAll("~+$", "");
    }

    private static Element feature(String name) {
        NodeList list = features.getDocumentElement().getElementsByTagName("feature");
        for (int i = 0; i < list.getLength(); i++) {
            Element e = (Element) list.item(i);
            if (e.getParentNode() == features.getDocumentElement() && name.equals(e.getAttribute("name"))) {
                return e;
            }
        }
        throw new AssertionError("no feature " + name + " in " + FEATURES);
    }

    private static List<String> childTexts(Element parent, String tag) {
        return childElements(parent, tag).stream().map(e -> e.getTextContent().trim()).toList();
    }

    /** The child elements of {@code parent} named {@code tag}, in order (KarafReadmeTest reads features.xml too). */
    static List<Element> childElements(Element parent, String tag) {
        List<Element> out = new ArrayList<>();
        NodeList list = parent.getChildNodes();
        for (int i = 0; i < list.getLength(); i++) {
            if (list.item(i) instanceof Element e && e.getTagName().equals(tag)) {
                out.add(e);
            }
        }
        return out;
    }

    private static List<String> bundleUrls() {
        return childTexts(feature("camel-esplink"), "bundle");
    }

    private static String version(String artifactId) {
        return bundleUrls().stream().map(MVN::matcher).filter(Matcher::matches)
                .filter(m -> m.group(2).equals(artifactId)).map(m -> m.group(3)).findFirst().orElseThrow();
    }

    /** Where copy-dependencies (repository layout) put the artifact of {@code url}. */
    static Path jarOf(String url) {
        Matcher m = MVN.matcher(url);
        if (!m.matches()) {
            throw new AssertionError("not a mvn: URL: " + url);
        }
        String group = m.group(1);
        String artifact = m.group(2);
        String version = m.group(3);
        String type = m.group(4) == null ? "jar" : m.group(4);
        String classifier = m.group(5);
        String file = artifact + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
        Path dir = BUNDLES.resolve(group.replace('.', '/')).resolve(artifact).resolve(version);
        Path exact = dir.resolve(file);
        if (Files.exists(exact) || !version.endsWith("-SNAPSHOT")) {
            return exact;
        }
        // a snapshot may be copied under its timestamped name
        try (var files = Files.list(dir)) {
            String suffix = (classifier == null ? "" : "-" + classifier) + "." + type;
            return files.filter(p -> p.getFileName().toString().startsWith(artifact + "-")
                                     && p.getFileName().toString().endsWith(suffix)
                                     && !p.getFileName().toString().contains("-tests")).findFirst().orElse(exact);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
