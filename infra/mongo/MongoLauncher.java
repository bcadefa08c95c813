import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts mongo-java-server on a chosen loopback port. The library's own main classes hard-code
 * localhost:27017, which collides with a real MongoDB and cannot host a dev and a test instance
 * side by side, hence this launcher.
 *
 * Compiled with RangeIndex.java by infra/local/infra.sh: MongoLauncher --port N [--h2 FILE] [--no-secondary-indexes]
 * Without --h2 the data lives in memory only; with --h2 it is kept in an H2 MVStore file.
 *
 * Both backends get secondary indexes (RangeIndex), which the library leaves unimplemented;
 * --no-secondary-indexes starts the library as published, to compare.
 */
public final class MongoLauncher {

    private MongoLauncher() {}

    public static void main(String[] args) throws Exception {
        int port = -1;
        String h2File = null;
        boolean secondaryIndexes = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = parsePort(valueAfter(args, i++));
                case "--h2" -> h2File = valueAfter(args, i++);
                case "--no-secondary-indexes" -> secondaryIndexes = false;
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
            backend = secondaryIndexes ? new IndexedH2Backend(h2File) : new H2Backend(h2File);
        } else {
            backend = secondaryIndexes ? new IndexedMemoryBackend() : new MemoryBackend();
        }

        MongoServer server = new MongoServer(backend);
        // Loopback only: this server has no authentication.
        server.bind("127.0.0.1", port);

        // shutdownNow also closes the backend, which flushes the H2 store: a SIGTERM from
        // `infra.sh down` must not lose the writes of the last autocommit interval.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "mongo-launcher-shutdown"));

        System.out.println("ready mongodb://127.0.0.1:" + port + (h2File != null ? " (h2: " + h2File + ")" : " (in-memory)")
            + (secondaryIndexes ? ", secondary indexes" : ", unique indexes only"));
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
        System.err.println("usage: MongoLauncher --port N [--h2 FILE] [--no-secondary-indexes]");
        System.exit(2);
    }

    /** The in-memory backend, its non-unique indexes answered by RangeIndex. */
    static final class IndexedMemoryBackend extends MemoryBackend {
        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            return new MemoryDatabase(databaseName, getCursorRegistry()) {
                @Override
                protected Index<Integer> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
                    return new RangeIndex<>(indexName, keys);
                }
            };
        }
    }

    /** The H2 file backend, its non-unique indexes answered by RangeIndex (rebuilt when a collection opens). */
    static final class IndexedH2Backend extends H2Backend {
        IndexedH2Backend(String fileName) {
            super(fileName);
        }

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            return new H2Database(databaseName, getMvStore(), getCursorRegistry()) {
                @Override
                protected Index<Object> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
                    return new RangeIndex<>(indexName, keys);
                }
            };
        }
    }
}
