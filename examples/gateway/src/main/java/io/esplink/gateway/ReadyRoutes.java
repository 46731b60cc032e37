package io.esplink.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ready routes that {@code esplink.routes} can name, found where the gateway loads them from: the
 * {@code routes/*.yaml} resources on the class path (the esplink-routes jar holds the repository's {@code routes/}
 * there) and the {@code *.yaml} files of the directory {@code esplink.routes.dir}. A route's name is its file's base
 * name.
 */
final class ReadyRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(ReadyRoutes.class);
    /** Where route files are on the class path. */
    static final String CLASSPATH_DIR = "routes";
    private static final String SUFFIX = ".yaml";

    private ReadyRoutes() {
    }

    /** The names found on the gateway's class path and in {@code dir} (which need not exist), sorted. */
    static SortedSet<String> names(Path dir) {
        return names(ReadyRoutes.class.getClassLoader(), dir);
    }

    static SortedSet<String> names(ClassLoader loader, Path dir) {
        SortedSet<String> names = new TreeSet<>();
        try {
            Enumeration<URL> urls = loader.getResources(CLASSPATH_DIR);
            while (urls.hasMoreElements()) {
                addFrom(urls.nextElement(), names);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("Could not list the class path's {}/", CLASSPATH_DIR, e);
        }
        addFiles(dir, names);
        return names;
    }

    private static void addFrom(URL url, Set<String> names) throws IOException {
        switch (url.getProtocol()) {
            case "file" -> {
                try {
                    addFiles(Path.of(url.toURI()), names);
                } catch (URISyntaxException | IllegalArgumentException e) {
                    LOG.debug("Not a directory: {}", url, e);
                }
            }
            case "jar" -> {
                JarURLConnection connection = (JarURLConnection) url.openConnection();
                connection.setUseCaches(false); // a JarFile of our own, closed here
                try (JarFile jar = connection.getJarFile()) {
                    jar.stream().map(JarEntry::getName)
                            .filter(n -> n.startsWith(CLASSPATH_DIR + "/"))
                            .map(n -> n.substring(CLASSPATH_DIR.length() + 1))
                            .filter(n -> n.indexOf('/') < 0)
                            .forEach(n -> addName(n, names));
                }
            }
            default -> LOG.debug("Cannot list {}", url);
        }
    }

    private static void addFiles(Path dir, Set<String> names) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(Files::isRegularFile).forEach(f -> addName(f.getFileName().toString(), names));
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("Could not list {}", dir, e);
        }
    }

    private static void addName(String fileName, Set<String> names) {
        if (fileName.endsWith(SUFFIX) && fileName.length() > SUFFIX.length()) {
            names.add(fileName.substring(0, fileName.length() - SUFFIX.length()));
        }
    }
}
