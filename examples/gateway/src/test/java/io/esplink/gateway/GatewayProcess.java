package io.esplink.gateway;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs the gateway as its own process, on this test JVM's java and class path. */
final class GatewayProcess {

    private GatewayProcess() {
    }

    /** {@code java -Xmx512m ... io.esplink.gateway.Gateway <arguments>}. */
    static List<String> command(List<String> arguments) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.add("-Xmx512m");
        // the gateway's own console logging, not the test logging of the test classes on the class path
        cmd.add("-Dlog4j2.configurationFile=classpath:log4j2.properties");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Gateway.class.getName());
        cmd.addAll(arguments);
        return cmd;
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
