package io.esplink.karaf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The README's Karaf paragraph ("Apache Karaf (OSGi)"): its console lines and the Camel range it states. */
final class ReadmeKaraf {

    static final Path README = Path.of(System.getProperty("esplink.readme"));
    private static final String HEADING = "**Apache Karaf (OSGi).**";

    private ReadmeKaraf() {
    }

    /** The paragraph, from its bold heading up to the next paragraph with a bold heading or section. */
    static String paragraph() {
        String text = read();
        int start = text.indexOf(HEADING);
        if (start < 0) {
            throw new AssertionError("README.md has no paragraph " + HEADING);
        }
        Matcher next = Pattern.compile("\n(\\*\\*[A-Z]|#)").matcher(text);
        int end = next.find(start + HEADING.length()) ? next.start() : text.length();
        return text.substring(start, end);
    }

    /** The lines of the paragraph's first code block (the Karaf console lines), trimmed, blank ones left out. */
    static List<String> consoleLines() {
        String p = paragraph();
        int open = p.indexOf("```");
        int close = open < 0 ? -1 : p.indexOf("```", open + 3);
        if (close < 0) {
            throw new AssertionError("the README's Karaf paragraph has no code block:\n" + p);
        }
        List<String> lines = new ArrayList<>();
        for (String line : p.substring(p.indexOf('\n', open) + 1, close).split("\n")) {
            if (!line.isBlank()) {
                lines.add(line.trim());
            }
        }
        return lines;
    }

    /** The arguments of the console lines that start with {@code command}, in order. */
    static List<String> arguments(String command) {
        return consoleLines().stream().filter(l -> l.startsWith(command + " "))
                .map(l -> l.substring(command.length()).trim()).toList();
    }

    /** The range in "Camel imported as `[4.18,4.19)`". */
    static String camelRange() {
        Matcher m = Pattern.compile("Camel imported as `([^`]+)`").matcher(paragraph());
        if (!m.find()) {
            throw new AssertionError("the README's Karaf paragraph does not say \"Camel imported as `...`\"");
        }
        return m.group(1);
    }

    private static String read() {
        try {
            return Files.readString(README, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
