package io.esplink.gateway;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.esplink.core.Cidr;
import io.esplink.core.CredentialsFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar esplink-gateway.jar credentials add|remove|list}: the nodes' credentials, in the file the gateway
 * reads ({@code esplink.credentials.file}, by default {@code <data dir>/node-credentials}). A running gateway sees
 * the change within a second.
 */
@Command(name = "credentials", mixinStandardHelpOptions = true,
         description = "Node credentials: a node proves its client ID with the secret in its ID line "
                       + "(MY_ID = \"kitchen:<secret>\" in its local.py).",
         subcommands = { CredentialsCommand.Add.class, CredentialsCommand.Remove.class, CredentialsCommand.ListIds.class })
final class CredentialsCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    static CommandLine commandLine() {
        return new CommandLine(new CredentialsCommand()).setExpandAtFiles(false);
    }

    /** The file: --file, else ESPLINK_CREDENTIALS_FILE, else the data dir's (--data-dir, ESPLINK_DATA_DIR, ./data). */
    abstract static class FileOptions {
        @Option(names = "--file", paramLabel = "<file>", description = "The credentials file (default: "
                                                                       + "<data dir>/node-credentials).")
        Path file;

        @Option(names = "--data-dir", paramLabel = "<dir>", description = "The gateway's data directory (default: "
                                                                            + "ESPLINK_DATA_DIR, else ./data).")
        Path dataDir;

        CredentialsFile credentials() throws java.io.IOException {
            Path f = file;
            if (f == null && System.getenv("ESPLINK_CREDENTIALS_FILE") != null) {
                f = Path.of(System.getenv("ESPLINK_CREDENTIALS_FILE"));
            }
            if (f == null) {
                Path dir = dataDir != null ? dataDir
                        : Path.of(System.getenv().getOrDefault("ESPLINK_DATA_DIR", "data"));
                f = dir.resolve("node-credentials");
            }
            return new CredentialsFile(f).load();
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
             description = "Gives each node a new random secret (replacing any it had) and prints its MY_ID, "
                           + "clientId:secret, one per line: the secret is shown this once.")
    static final class Add extends FileOptions implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "<clientId>")
        List<String> clientIds = new ArrayList<>();

        @Option(names = "--allow", paramLabel = "<cidr,...>",
                description = "Address blocks the nodes may connect from (default: any).")
        String allow;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            CredentialsFile credentials = credentials();
            List<Cidr> allowed = Cidr.parseList(allow);
            PrintWriter out = spec.commandLine().getOut();
            for (String id : clientIds) {
                out.println(id + ":" + credentials.add(id, allowed));
            }
            out.flush();
            spec.commandLine().getErr().println("Written to " + credentials.path() + ". Give each node its line as "
                                                + "MY_ID in local.py (MY_ID = \"<clientId>:<secret>\"); the secrets "
                                                + "are not kept anywhere else.");
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Removes the nodes' credentials.")
    static final class Remove extends FileOptions implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "<clientId>")
        List<String> clientIds = new ArrayList<>();

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            CredentialsFile credentials = credentials();
            int missing = 0;
            for (String id : clientIds) {
                if (!credentials.remove(id)) {
                    spec.commandLine().getErr().println("No credentials for '" + id + "'");
                    missing++;
                }
            }
            return missing == 0 ? 0 : 1;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the client IDs that have "
                                                                           + "credentials.")
    static final class ListIds extends FileOptions implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            credentials().clientIds().forEach(out::println);
            out.flush();
            return 0;
        }
    }
}
