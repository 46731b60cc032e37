package io.esplink.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import picocli.CommandLine;

/**
 * {@code java -jar esplink-benchmarks.jar [command]}: {@code load} (the load tool), {@code ceiling} (the ceiling
 * server), {@code scenarios} (the targets table of BENCHMARKS.md), {@code jfr-top} (where a JFR recording's time
 * went); anything else, or nothing, goes to JMH ({@code -h} for its options, {@code -l} to list the benchmarks).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length > 0 ? args[0] : "";
        String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
        switch (cmd) {
            case "load":
                System.exit(commandLine(new LoadTool()).execute(rest));
                break;
            case "ceiling":
                System.exit(commandLine(new CeilingServer()).execute(rest));
                break;
            case "scenarios":
                System.exit(commandLine(new Scenarios()).execute(rest));
                break;
            case "jfr-top":
                System.exit(commandLine(new JfrTop()).execute(rest));
                break;
            case "help":
            case "--help":
                System.out.println("usage: java -jar esplink-benchmarks.jar load|ceiling|scenarios|jfr-top [-h] ...\n"
                                   + "       java -jar esplink-benchmarks.jar [JMH options]   (JMH; -l lists, -h helps)");
                break;
            default:
                org.openjdk.jmh.Main.main(args);
        }
    }

    static CommandLine commandLine(Object command) {
        return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true)
                .registerConverter(Duration.class, Main::duration);
    }

    /** 500ms, 10s, 2m, 1h, or a plain number of seconds. */
    static Duration duration(String s) {
        String v = s.strip().toLowerCase(Locale.ROOT);
        if (v.startsWith("pt")) {
            return Duration.parse(v);
        }
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        char unit = v.charAt(v.length() - 1);
        String num = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
        double d = Double.parseDouble(num);
        switch (unit) {
            case 'm':
                return Duration.ofMillis((long) (d * 60_000));
            case 'h':
                return Duration.ofMillis((long) (d * 3_600_000));
            default:
                return Duration.ofMillis((long) (d * 1000));
        }
    }
}
