import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts mongo-java-server on a chosen loopback port. The library's own main classes hard-code
 * localhost:27017, which collides with a real MongoDB and cannot host a dev and a test instance
 * side by side, hence this launcher.
 *
 * Run as a single source file (Java 17): java -cp 'infra/mongo/target/lib/*' MongoLauncher.java --port N [--h2 FILE]
 * Without --h2 the data lives in memory only; with --h2 it is kept in an H2 MVStore file.
 */
public final class MongoLauncher {

    private MongoLauncher() {}

    public static void main(String[] args) throws Exception {
        int port = -1;
        String h2File = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = parsePort(valueAfter(args, i++));
                case "--h2" -> h2File = valueAfter(args, i++);
                default -> fail("unknown argument: " + args[i]);
            }
        }
        if (port < 0) {
            fail("--port is required");
        }

        final MongoBackend backend;
        if (h2File != null) {
            Path parent = Path.of(h2File).toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            backend = new H2Backend(h2File);
        } else {
            backend = new MemoryBackend();
        }

        MongoServer server = new MongoServer(backend);
        // Loopback only: this server has no authentication.
        server.bind("127.0.0.1", port);

        // shutdownNow also closes the backend, which flushes the H2 store: a SIGTERM from
        // `infra.sh down` must not lose the writes of the last autocommit interval.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "mongo-launcher-shutdown"));

        System.out.println("ready mongodb://127.0.0.1:" + port + (h2File != null ? " (h2: " + h2File + ")" : " (in-memory)"));
        System.out.flush();
        Thread.currentThread().join();
    }

    private static String valueAfter(String[] args, int i) {
        if (i + 1 >= args.length) {
            fail(args[i] + " needs a value");
        }
        return args[i + 1];
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 1 || port > 65535) {
                fail("port out of range: " + value);
            }
            return port;
        } catch (NumberFormatException e) {
            fail("not a port number: " + value);
            return -1;
        }
    }

    private static void fail(String message) {
        System.err.println("MongoLauncher: " + message);
        System.err.println("usage: MongoLauncher --port N [--h2 FILE]");
        System.exit(2);
    }
}
