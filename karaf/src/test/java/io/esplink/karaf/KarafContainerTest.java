package io.esplink.karaf;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import aQute.bnd.header.Parameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real Apache Karaf (4.4.8, the one camel-karaf 4.18.1 is built on): unpacked from its tarball, started headless
 * ({@code bin/karaf server}, SSH and RMI on loopback ports of its own, Maven resolution from this build's bundles only,
 * no network), then the README's three Karaf lines are run in it through {@code bin/client}, and the test checks what
 * they installed: every bundle of the feature camel-esplink starts (the epoll fragments resolve onto their host), each
 * of the component bundle's imports is wired to the bundle it should come from, and the component's classes load.
 * <p>
 * camel-karaf's features (its repository {@code apache-camel}, with Camel's bundles) are not served here: the README's
 * line for them is run with a stand-in repository instead, whose feature {@code camel-core} (at the build's Camel
 * version) holds the build's Camel jars that export what the component imports (camel-api, camel-util, camel-util-json,
 * camel-support, camel-management-api, camel-health), made bundles by Karaf's {@code wrap:} (Camel 4's jars carry no
 * OSGi headers), each exporting its packages at the Camel version. No Camel context is started: that needs
 * camel-karaf's own bundles (camel-core-osgi), which the stand-in does not replace.
 * <p>
 * Skipped, saying so (each test, with the reason), only when the Karaf tarball cannot be resolved (from the build's
 * local repository, or by a nested {@code mvn dependency:get} into it).
 */
class KarafContainerTest {

    private static final String KARAF_VERSION = System.getProperty("esplink.karaf.version");
    private static final String CAMEL_VERSION = System.getProperty("esplink.camel.version");
    private static final String CAMEL_KARAF_VERSION = System.getProperty("esplink.camelKaraf.version");
    private static final String PROJECT_VERSION = System.getProperty("esplink.project.version");
    private static final Path WORK = Path.of(System.getProperty("esplink.karaf.work")).toAbsolutePath();
    private static final Path BUNDLES = Path.of(System.getProperty("esplink.bundles")).toAbsolutePath();
    private static final Path FEATURES = Path.of(System.getProperty("esplink.features"));
    private static final Path LOCAL_REPO = Path.of(System.getProperty("esplink.localRepository"));
    private static final String MAVEN_HOME = System.getProperty("esplink.maven.home", "");

    /** The build's Camel jars the stand-in camel-core wraps: together they export every Camel package esplink imports. */
    private static final List<String> STANDIN_CAMEL = List.of("camel-api", "camel-util", "camel-util-json",
            "camel-support", "camel-management-api", "camel-health");
    private static final String CAMEL_KARAF_REPOSITORY =
            "mvn:org.apache.camel.karaf/apache-camel/" + CAMEL_KARAF_VERSION + "/xml/features";
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");

    /** Why Karaf was not run (the tarball could not be resolved); each test is then skipped with it. */
    private static String skipped;
    private static Path home;
    private static Process karaf;
    private static final List<ProcessHandle> tree = new ArrayList<>();
    private static int sshPort;

    /** What the README's lines printed, and then the bundles (symbolic name to id and state) after them. */
    private static String installOutput;
    private static final Map<String, String[]> installed = new LinkedHashMap<>();

    @BeforeAll
    static void startKarafAndRunTheReadmeLines() throws Exception {
        Path tarball = tarball();
        if (tarball == null) {
            return;
        }
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        String untar = run(List.of("tar", "-xzf", tarball.toString(), "-C", WORK.toString()), WORK,
                Duration.ofMinutes(2), null);
        home = WORK.resolve("apache-karaf-" + KARAF_VERSION);
        assertThat(home.resolve("bin/karaf")).as("Karaf unpacked (%s)", untar).isRegularFile();
        configure();

        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server").directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(WORK.resolve("karaf.out").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JAVA_MAX_MEM", "512M");
        karaf = pb.start();
        // up once its shell answers and the boot features (the last is kar) are in
        await("Karaf's boot features").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            assertThat(karaf.isAlive()).as("Karaf ended early:\n%s", tail(WORK.resolve("karaf.out"))).isTrue();
            karaf.descendants().filter(p -> !tree.contains(p)).forEach(tree::add);
            String out = client("feature:list -i --no-format", Duration.ofSeconds(30));
            return out.lines().anyMatch(l -> l.matches("kar\\s*\t.*"))
                   && out.lines().anyMatch(l -> l.matches("wrap\\s*\t.*"));
        });

        Path standin = writeStandinRepository();
        writeFeaturesUnderTest(standin);
        List<String> lines = new ArrayList<>();
        for (String line : ReadmeKaraf.consoleLines()) {
            lines.add(line.replace(CAMEL_KARAF_REPOSITORY, standin.toUri().toString()));
        }
        assertThat(lines).as("the README's lines name camel-karaf's repository").anyMatch(l -> l.contains(
                standin.toUri().toString()));
        installOutput = client(String.join("\n", lines), Duration.ofSeconds(120));
        for (String l : client("bundle:list -t 0 -s --no-format", Duration.ofSeconds(30)).split("\n")) {
            String[] c = l.split("\t");
            if (c.length >= 5 && c[0].trim().matches("\\d+")) {
                installed.put(c[4].trim(), new String[] {c[0].trim(), c[1].trim()});
            }
        }
    }

    @AfterAll
    static void stopKaraf() throws Exception {
        if (karaf == null) {
            return;
        }
        try {
            run(List.of(home.resolve("bin/stop").toString()), home, Duration.ofSeconds(30), null);
            await("Karaf's stop").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !karaf.isAlive() && tree.stream().noneMatch(ProcessHandle::isAlive));
        } catch (Throwable t) {
            // not down in time (or bin/stop failed): end it
        } finally {
            karaf.descendants().forEach(ProcessHandle::destroyForcibly);
            tree.forEach(ProcessHandle::destroyForcibly);
            karaf.destroyForcibly();
            karaf.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void readmeLines_installTheFeature_everyBundleStarts() throws Exception {
        Assumptions.assumeTrue(skipped == null, () -> skipped);
        assertThat(installOutput).as("what the README's lines printed").doesNotContain("Error executing command");
        Map<String, String> expected = new LinkedHashMap<>(); // symbolic name -> state
        for (String url : featureBundleUrls()) {
            Attributes a;
            try (JarFile jar = new JarFile(FeaturesTest.jarOf(url).toFile())) {
                a = jar.getManifest().getMainAttributes();
            }
            String name = new Parameters(a.getValue("Bundle-SymbolicName")).keySet().iterator().next();
            expected.put(name, a.getValue("Fragment-Host") != null ? "Resolved" : "Active");
        }
        STANDIN_CAMEL.forEach(a -> expected.put("standin." + a, "Active"));
        Map<String, String> states = installed.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue()[1]));
        expected.forEach((name, state) -> assertThat(states.get(name))
                .as("%s in Karaf (output: %s; bundles: %s)", name, installOutput, states).isEqualTo(state));
        assertThat(states.get("io.esplink.camel-esplink")).isEqualTo("Active");
    }

    @Test
    void esplinkBundle_everyImportIsWired_toTheBundleItShouldComeFrom() throws Exception {
        Assumptions.assumeTrue(skipped == null, () -> skipped);
        Map<String, String> wiredTo = wiring(client("bundle:requirements " + id("io.esplink.camel-esplink"),
                Duration.ofSeconds(30)));
        Parameters imports;
        try (JarFile jar = new JarFile(FeaturesTest.jarOf("mvn:io.esplink/camel-esplink/" + PROJECT_VERSION).toFile())) {
            imports = new Parameters(jar.getManifest().getMainAttributes().getValue("Import-Package"));
        }
        List<String> wrong = new ArrayList<>();
        imports.forEach((pkg, attrs) -> {
            String provider = wiredTo.get(pkg);
            if (provider == null) {
                // its own exported packages resolve to itself, with no wire; optional ones may stay unwired
                if (!pkg.startsWith("io.esplink.") && !"optional".equals(attrs.get("resolution:"))) {
                    wrong.add(pkg + " is not wired");
                }
                return;
            }
            String from = pkg.startsWith("org.apache.camel") ? "standin.camel-"
                    : pkg.startsWith("io.netty.") ? "io.netty."
                    : pkg.startsWith("com.fasterxml.jackson.") ? "com.fasterxml.jackson.core."
                    : pkg.startsWith("org.slf4j") ? "org.ops4j.pax.logging."
                    : pkg.startsWith("javax.") ? "org.apache.felix.framework" : "?";
            if (!provider.startsWith(from)) {
                wrong.add(pkg + " is wired to " + provider + ", not to " + from + "*");
            }
        });
        assertThat(wrong).as("esplink's imports (wiring: %s)", wiredTo).isEmpty();
        assertThat(wiredTo).as("Camel's packages from the wrapped Camel %s jars", CAMEL_VERSION)
                .containsEntry("org.apache.camel", "standin.camel-api")
                .containsEntry("org.apache.camel.support", "standin.camel-support")
                .containsEntry("org.apache.camel.impl.health", "standin.camel-health")
                // optional, and there: epoll's classes
                .containsEntry("io.netty.channel.epoll", "io.netty.transport-classes-epoll");
    }

    @Test
    void esplinkBundle_loadsTheComponent_andItsNettyCode() {
        Assumptions.assumeTrue(skipped == null, () -> skipped);
        String id = id("io.esplink.camel-esplink");
        String out = client(String.join("\n",
                "b = ($.context bundle " + id + ")",
                "c = ($b loadClass io.esplink.camel.EspLinkComponent)",
                "echo loaded ($c getName) from ($c getSuperclass)",
                "echo made (($c newInstance) getClass)",
                "d = ($b loadClass io.esplink.core.FrameDecoder)",
                "echo decoder ($d getName) extends ($d getSuperclass)"), Duration.ofSeconds(30));
        assertThat(out).as("the component's classes in Karaf").doesNotContain("Error executing command")
                .contains("loaded io.esplink.camel.EspLinkComponent from class org.apache.camel.support.HealthCheckComponent")
                .contains("made class io.esplink.camel.EspLinkComponent")
                .contains("decoder io.esplink.core.FrameDecoder extends class "
                          + "io.netty.handler.codec.ByteToMessageDecoder");
    }

    @Test
    void epollFragments_attachToTheirHost() {
        Assumptions.assumeTrue(skipped == null, () -> skipped);
        installed.keySet().stream().filter(n -> n.startsWith("io.netty.transport-native-epoll")).forEach(name -> {
            Map<String, String> wiring = wiring(client("bundle:requirements " + id(name), Duration.ofSeconds(30)));
            assertThat(wiring).as(name + "'s host").containsEntry("io.netty.transport-classes-epoll",
                    "io.netty.transport-classes-epoll");
        });
        assertThat(installed.keySet()).as("epoll's native fragments").contains(
                "io.netty.transport-native-epoll.linux-x86_64", "io.netty.transport-native-epoll.linux-aarch_64");
    }

    // ---- Karaf ----

    /** Runs {@code commands} (one a line) in Karaf through {@code bin/client -b}; what they printed, without colours. */
    private static String client(String commands, Duration timeout) {
        List<String> cmd = List.of(home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort), "-h",
                "127.0.0.1", "-u", "karaf", "-p", "karaf", "-b");
        try {
            return ANSI.matcher(run(cmd, home, timeout, commands + "\n")).replaceAll("").replace("\r", "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String id(String symbolicName) {
        String[] b = installed.get(symbolicName);
        assertThat(b).as("bundle %s installed (%s)", symbolicName, installOutput).isNotNull();
        return b[0];
    }

    /**
     * From {@code bundle:requirements}: each required name (package, or host for a fragment) to the symbolic name of
     * the bundle that provides it.
     */
    private static Map<String, String> wiring(String requirements) {
        Map<String, String> out = new HashMap<>();
        Pattern req = Pattern.compile("^osgi\\.wiring\\.(?:package|host); .*?\\(osgi\\.wiring\\.(?:package|host)=([^)]+)\\)");
        Pattern by = Pattern.compile("^\\s+osgi\\.wiring\\.(?:package|host); \\S+ \\S+ from (\\S+) \\[\\d+]");
        String pending = null;
        for (String line : requirements.split("\n")) {
            Matcher r = req.matcher(line);
            Matcher b = by.matcher(line);
            if (r.find()) {
                pending = r.group(1);
            } else if (b.find() && pending != null) {
                out.put(pending, b.group(1));
                pending = null;
            }
        }
        return out;
    }

    /** Loopback only, ports of its own, a user for the client, and Maven resolution from the build's bundles only. */
    private static void configure() throws IOException {
        sshPort = freePort();
        Path etc = home.resolve("etc");
        Files.writeString(etc.resolve("users.properties"),
                "karaf = karaf,_g_:admingroup\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
        set(etc.resolve("org.apache.karaf.shell.cfg"), Map.of("sshHost", "127.0.0.1", "sshPort",
                String.valueOf(sshPort)));
        set(etc.resolve("org.apache.karaf.management.cfg"), Map.of("rmiRegistryHost", "127.0.0.1", "rmiServerHost",
                "127.0.0.1", "rmiRegistryPort", String.valueOf(freePort()), "rmiServerPort",
                String.valueOf(freePort())));
        // the feature's bundles (and the features file under test) from the build, nothing from the network
        set(etc.resolve("org.ops4j.pax.url.mvn.cfg"), Map.of("org.ops4j.pax.url.mvn.localRepository",
                BUNDLES.toString(), "org.ops4j.pax.url.mvn.repositories", ""));
    }

    /** Sets {@code key = value} lines of a Karaf .cfg file (the last one of a key wins). */
    private static void set(Path cfg, Map<String, String> values) throws IOException {
        StringBuilder b = new StringBuilder(Files.readString(cfg)).append('\n');
        values.forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(cfg, b.toString());
    }

    /** The stand-in for camel-karaf's features repository: feature camel-core, the build's Camel jars wrapped. */
    private static Path writeStandinRepository() throws IOException {
        StringBuilder b = new StringBuilder("<features name=\"camel-karaf-standin\" "
                + "xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">\n");
        b.append("  <feature name=\"camel-core\" version=\"").append(CAMEL_VERSION).append("\">\n");
        for (String artifact : STANDIN_CAMEL) {
            assertThat(BUNDLES.resolve("org/apache/camel/" + artifact + "/" + CAMEL_VERSION + "/" + artifact + "-"
                    + CAMEL_VERSION + ".jar")).as(artifact + " in the build's bundles").isRegularFile();
            b.append("    <bundle>wrap:mvn:org.apache.camel/").append(artifact).append('/').append(CAMEL_VERSION)
                    .append("$Bundle-SymbolicName=standin.").append(artifact)
                    .append("&amp;Bundle-Version=").append(CAMEL_VERSION)
                    .append("&amp;Export-Package=*;version=").append(CAMEL_VERSION)
                    .append("&amp;Import-Package=*;resolution:=optional</bundle>\n");
        }
        b.append("  </feature>\n</features>\n");
        Path file = WORK.resolve("camel-karaf-standin.xml");
        Files.writeString(file, b.toString());
        return file;
    }

    /**
     * features.xml as this build made it, with camel-karaf's repository replaced by the stand-in, where the README's
     * {@code mvn:io.esplink/camel-esplink-features/...} finds it (the local repository Karaf resolves from).
     */
    private static void writeFeaturesUnderTest(Path standin) throws IOException {
        String xml = Files.readString(FEATURES);
        assertThat(xml).as("features.xml references camel-karaf's repository").contains(CAMEL_KARAF_REPOSITORY);
        Path dir = Files.createDirectories(BUNDLES.resolve("io/esplink/camel-esplink-features/" + PROJECT_VERSION));
        Files.writeString(dir.resolve("camel-esplink-features-" + PROJECT_VERSION + "-features.xml"),
                xml.replace(CAMEL_KARAF_REPOSITORY, standin.toUri().toString()));
    }

    private static List<String> featureBundleUrls() throws Exception {
        Element root = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder().parse(FEATURES.toFile())
                .getDocumentElement();
        NodeList features = root.getElementsByTagName("feature");
        for (int i = 0; i < features.getLength(); i++) {
            Element f = (Element) features.item(i);
            if (f.getParentNode() == root && f.getAttribute("name").equals("camel-esplink")) {
                List<String> urls = new ArrayList<>();
                NodeList bundles = f.getElementsByTagName("bundle");
                for (int j = 0; j < bundles.getLength(); j++) {
                    urls.add(bundles.item(j).getTextContent().trim());
                }
                return urls;
            }
        }
        throw new AssertionError("no feature camel-esplink in " + FEATURES);
    }

    // ---- the tarball ----

    /** Karaf's tarball from the build's local repository, fetched into it first when it is not there; else skip. */
    private static Path tarball() throws Exception {
        String coordinates = "org.apache.karaf:apache-karaf:" + KARAF_VERSION + ":tar.gz";
        Path file = LOCAL_REPO.resolve("org/apache/karaf/apache-karaf/" + KARAF_VERSION + "/apache-karaf-"
                + KARAF_VERSION + ".tar.gz");
        String output = "";
        if (!Files.isRegularFile(file)) {
            Path mvn = Path.of(MAVEN_HOME, "bin", "mvn");
            List<String> cmd = List.of(Files.isExecutable(mvn) ? mvn.toString() : "mvn", "-B", "-q", "-ntp",
                    "-Dmaven.repo.local=" + LOCAL_REPO,
                    "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get",
                    "-Dartifact=" + coordinates, "-Dtransitive=false");
            try {
                output = run(cmd, WORK.getParent(), Duration.ofMinutes(5), null);
            } catch (IOException e) {
                output = e.toString();
            }
        }
        if (!Files.isRegularFile(file)) {
            skipped = "Karaf's tarball " + coordinates + " cannot be resolved (not in " + LOCAL_REPO
                      + ", and mvn dependency:get did not bring it): "
                      + ANSI.matcher(output).replaceAll("").lines().filter(l -> l.contains("ERROR")).findFirst()
                              .orElse(output.strip());
            System.err.println("KarafContainerTest skipped: " + skipped);
            return null;
        }
        return file;
    }

    // ---- processes and files ----

    /** Runs a command to its end (at most {@code timeout}), with {@code input} on its standard input; its output. */
    private static String run(List<String> command, Path dir, Duration timeout, String input) throws IOException {
        Path out = Files.createTempFile(WORK.getParent(), "run-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IOException(command + " did not end within " + timeout + ":\n" + Files.readString(out));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException(e);
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
