import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.AbstractMongoCollection;
import de.bwaldvogel.mongo.backend.AbstractMongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.DatabaseResolver;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import org.h2.mvstore.MVMap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Starts mongo-java-server on a chosen loopback port. The library's own main classes hard-code
 * localhost:27017, which collides with a real MongoDB and cannot host a dev and a test instance
 * side by side, hence this launcher.
 *
 * Compiled with RangeIndex.java by infra/local/infra.sh: MongoLauncher --port N [--h2 FILE] [--no-secondary-indexes]
 * Without --h2 the data lives in memory only; with --h2 it is kept in an H2 MVStore file.
 *
 * Both backends get secondary indexes (RangeIndex), which the library leaves unimplemented, keep
 * unique indexes that start with _id (unique by construction) in RangeIndex too, and read
 * aggregations that start with $match through the indexes (IndexedAggregate); the in-memory
 * backend also stores documents with shared field names and short values (Shared);
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
                protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
                    return new MemoryCollection(this, collectionName, options, cursorRegistry) {
                        @Override
                        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fieldSelector) {
                            Stream<Document> ordered = RangeIndex.documentsInOrder(getIndexes(), query, orderBy, this::getDocument);
                            return ordered == null
                                ? super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector)
                                : OrderedRead.read(ordered, query, skip, limit, fieldSelector, getIdField(), this::documentMatchesQuery,
                                    found -> createQueryResult(found, batchSize),
                                    (documents, q, s, l, selector) -> matchDocumentsFromStream(q, documents, s, l, batchSize, null, selector));
                        }

                        @Override
                        protected boolean documentMatchesQuery(Document document, Document query) {
                            Boolean known = Conjunction.matches(document, query);
                            return known != null ? known : super.documentMatchesQuery(document, query);
                        }

                        @Override
                        public synchronized Document updateDocuments(Document selector, Document update, ArrayFilters arrayFilters, boolean isMulti, boolean isUpsert, Oplog oplog) {
                            // The request's own document, seen by no reader: what it writes, by
                            // either update path, takes shared names and values (see Shared).
                            Shared.share(update);
                            Document done = FastUpdate.apply(selector, update, arrayFilters, isMulti, getIdField(), getIndexes(), this,
                                s -> queryDocuments(s, null, 0, 0, 0, null), this::findDocumentPosition, this::handleUpdate, oplog, getFullName());
                            return done != null ? done : super.updateDocuments(selector, update, arrayFilters, isMulti, isUpsert, oplog);
                        }

                        // Not yet visible to any reader here, so its names and short values can be
                        // swapped for shared instances in place (see Shared).
                        @Override
                        protected Integer addDocumentInternal(Document document) {
                            Shared.share(document);
                            return super.addDocumentInternal(document);
                        }

                        // The library builds an index over the stored documents and adds it to
                        // the collection's list without the collection's lock, while an insert
                        // on another connection walks that list under it: the insert failed with a
                        // ConcurrentModificationException, or the index missed the document.
                        @Override
                        public synchronized void addIndex(Index<Integer> index) {
                            super.addIndex(index);
                        }

                        @Override
                        public synchronized void dropIndex(String indexName) {
                            super.dropIndex(indexName);
                        }

                        @Override
                        protected boolean tracksDataSize() {
                            return false;
                        }

                        @Override
                        protected synchronized int getDataSize() {
                            return DataSize.of(streamAllDocumentsWithPosition().map(DocumentWithPosition::getDocument));
                        }
                    };
                }

                @Override
                protected Index<Integer> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
                    return RangeIndex.secondary(this, collectionName, indexName, keys);
                }

                @Override
                protected Index<Integer> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
                    Index<Integer> byId = RangeIndex.unique(this, collectionName, indexName, keys);
                    return byId != null ? byId : super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
                }

                @Override
                public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
                    Document answered = IndexedAggregate.answer(this, command, query, resolver, oplog);
                    return answered != null ? answered : super.handleCommand(channel, command, query, resolver, oplog);
                }

                // The library synchronizes creating a collection on first use (an insert, an index)
                // but not the `create` command: a mongoose model's init() racing another client's
                // createIndexes made two collections of one name, and the second was refused with
                // "already existed in system.namespaces". Both now take the database's monitor.
                @Override
                public synchronized MongoCollection<Integer> createCollectionOrThrowIfExists(String collectionName, CollectionOptions options) {
                    return super.createCollectionOrThrowIfExists(collectionName, options);
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
                /** As the library opens a collection (its map names included), with the ordered read. */
                @Override
                protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
                    String namespace = getFullCollectionNamespace(collectionName);
                    MVMap<Object, Document> dataMap = getMvStore().openMap("databases." + namespace);
                    MVMap<String, Object> metaMap = getMvStore().openMap("meta." + namespace);
                    return new H2Collection(this, collectionName, options, dataMap, metaMap, cursorRegistry) {
                        @Override
                        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fieldSelector) {
                            Stream<Document> ordered = RangeIndex.documentsInOrder(getIndexes(), query, orderBy, this::getDocument);
                            return ordered == null
                                ? super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector)
                                : OrderedRead.read(ordered, query, skip, limit, fieldSelector, getIdField(), this::documentMatchesQuery,
                                    found -> createQueryResult(found, batchSize),
                                    (documents, q, s, l, selector) -> matchDocumentsFromStream(q, documents, s, l, batchSize, null, selector));
                        }

                        @Override
                        protected boolean documentMatchesQuery(Document document, Document query) {
                            Boolean known = Conjunction.matches(document, query);
                            return known != null ? known : super.documentMatchesQuery(document, query);
                        }

                        @Override
                        public synchronized Document updateDocuments(Document selector, Document update, ArrayFilters arrayFilters, boolean isMulti, boolean isUpsert, Oplog oplog) {
                            Document done = FastUpdate.apply(selector, update, arrayFilters, isMulti, getIdField(), getIndexes(), this,
                                s -> queryDocuments(s, null, 0, 0, 0, null), this::findDocumentPosition, this::handleUpdate, oplog, getFullName());
                            return done != null ? done : super.updateDocuments(selector, update, arrayFilters, isMulti, isUpsert, oplog);
                        }

                        // Synchronized for the reason given in the memory backend.
                        @Override
                        public synchronized void addIndex(Index<Object> index) {
                            super.addIndex(index);
                        }

                        @Override
                        public synchronized void dropIndex(String indexName) {
                            super.dropIndex(indexName);
                        }

                        @Override
                        protected boolean tracksDataSize() {
                            return false;
                        }

                        // Set once the library's constructor is over: that constructor logs the
                        // data size of a reopened collection (an argument evaluated even when the
                        // log is off), which would encode every stored document at each start.
                        private boolean opened = true;

                        @Override
                        protected synchronized int getDataSize() {
                            return opened ? DataSize.of(streamAllDocumentsWithPosition().map(DocumentWithPosition::getDocument)) : 0;
                        }
                    };
                }

                @Override
                protected Index<Object> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
                    return RangeIndex.secondary(this, collectionName, indexName, keys);
                }

                @Override
                protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
                    Index<Object> byId = RangeIndex.unique(this, collectionName, indexName, keys);
                    return byId != null ? byId : super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
                }

                @Override
                public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
                    Document answered = IndexedAggregate.answer(this, command, query, resolver, oplog);
                    return answered != null ? answered : super.handleCommand(channel, command, query, resolver, oplog);
                }

                // Synchronized for the reason given in the memory backend.
                @Override
                public synchronized MongoCollection<Object> createCollectionOrThrowIfExists(String collectionName, CollectionOptions options) {
                    return super.createCollectionOrThrowIfExists(collectionName, options);
                }
            };
        }
    }

    /**
     * The library applies every update to a deep copy of the whole document, after taking a
     * second deep copy to compare with, and compares the two documents deeply twice: for a
     * dossier that carries its history, four passes over kilobytes for each fact appended. That
     * was a third of the stand-in's time under the pipeline bench, and most of what its collector
     * had to free. The updates the services send, `$set`, `$setOnInsert` and `$push … $each` of
     * top-level fields on one document, are applied here to the fields they name: values are compared with the
     * library's rules (numbers by value, documents by key order), the indexes see a shallow copy
     * of the document as it was, and the stored document's other values are left as they are
     * (the library never changes a stored value in place, it replaces it). Any other update,
     * one that matches nothing (an upsert, or n: 0), and anything the library would refuse are
     * left to the library, which answers as it always did.
     */
    static final class FastUpdate {
        interface Positions<P> {
            P of(Document document);
        }

        interface Stored<P> {
            void handle(P position, Document before, Document after);
        }

        private FastUpdate() {}

        /** The update's answer ({@code n}, {@code nModified}), or null when the library must apply it. */
        static <P> Document apply(Document selector, Document update, ArrayFilters arrayFilters, boolean isMulti, String idField,
                                  List<Index<P>> indexes, MongoCollection<P> collection, Function<Document, Iterable<Document>> query,
                                  Positions<P> positions, Stored<P> stored, Oplog oplog, String namespace) {
            if (isMulti || (arrayFilters != null && !arrayFilters.isEmpty()) || !ofTopLevelFields(update, idField)) {
                return null;
            }
            Iterator<Document> matched = query.apply(selector).iterator();
            if (!matched.hasNext()) {
                return null;
            }
            Document document = matched.next();
            Document changes = new Document();
            for (Map.Entry<String, Object> operator : update.entrySet()) {
                boolean push = "$push".equals(operator.getKey());
                // Applies only when an upsert inserts, which the library does: a matched document keeps its values.
                if ("$setOnInsert".equals(operator.getKey())) {
                    continue;
                }
                for (Map.Entry<String, Object> field : ((Document) operator.getValue()).entrySet()) {
                    String key = field.getKey();
                    Object current = document.get(key);
                    if (!push) {
                        if (!document.containsKey(key) || !sameValue(field.getValue(), current)) {
                            changes.put(key, field.getValue());
                        }
                        continue;
                    }
                    if (current != null && !(current instanceof List<?>)) {
                        return null;
                    }
                    Collection<?> items = (Collection<?>) ((Document) field.getValue()).get("$each");
                    if (current != null && items.isEmpty()) {
                        continue;
                    }
                    List<Object> appended = new ArrayList<>((current != null ? ((List<?>) current).size() : 0) + items.size());
                    if (current != null) {
                        appended.addAll((List<?>) current);
                    }
                    appended.addAll(items);
                    changes.put(key, appended);
                }
            }
            List<Object> modified = new ArrayList<>(1);
            if (!changes.isEmpty()) {
                Utils.validateFieldNames(changes);
                Document before = new Document(document);
                Document after = new Document(document);
                after.putAll(changes);
                for (Index<P> index : indexes) {
                    index.checkUpdate(before, after, collection);
                }
                P position = position(indexes, before, positions);
                if (position == null) {
                    return null;
                }
                for (Index<P> index : indexes) {
                    index.updateInPlace(before, after, position, collection);
                }
                document.putAll(changes);
                stored.handle(position, before, document);
                modified.add(document.get(idField));
            }
            oplog.handleUpdate(namespace, selector, update, modified);
            Document result = new Document();
            result.put("n", Integer.valueOf(1));
            result.put("nModified", Integer.valueOf(modified.size()));
            return result;
        }

        /** Only `$set`, `$setOnInsert` and `$push: { $each }` of distinct top-level fields other than the id. */
        private static boolean ofTopLevelFields(Document update, String idField) {
            if (update.isEmpty()) {
                return false;
            }
            Set<String> seen = new HashSet<>();
            for (Map.Entry<String, Object> operator : update.entrySet()) {
                boolean push = "$push".equals(operator.getKey());
                if (!push && !"$set".equals(operator.getKey()) && !"$setOnInsert".equals(operator.getKey())
                    || !(operator.getValue() instanceof Document fields) || fields.isEmpty()) {
                    return false;
                }
                for (Map.Entry<String, Object> field : fields.entrySet()) {
                    String key = field.getKey();
                    if (key.isEmpty() || key.startsWith("$") || key.indexOf('.') >= 0 || key.equals(idField) || !seen.add(key)) {
                        return false;
                    }
                    if (push && !(field.getValue() instanceof Document each && each.size() == 1 && each.get("$each") instanceof Collection<?>)) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** Where the document is stored, as every index places it; null when they disagree. */
        private static <P> P position(List<Index<P>> indexes, Document document, Positions<P> positions) {
            if (indexes.isEmpty()) {
                return positions.of(document);
            }
            P found = null;
            for (Index<P> index : indexes) {
                P position = index.getPosition(document);
                if (position == null) {
                    continue;
                }
                if (found != null && !found.equals(position)) {
                    return null;
                }
                found = position;
            }
            return found;
        }

        /**
         * The library's equality of an update's value with the stored one: null and missing
         * alike, numbers by their double value (longs beyond a double's precision by their own),
         * documents by their keys in order, lists and sets element by element.
         */
        static boolean sameValue(Object a, Object b) {
            if (a == b) {
                return true;
            }
            if (Missing.isNullOrMissing(a) || Missing.isNullOrMissing(b)) {
                return Missing.isNullOrMissing(a) && Missing.isNullOrMissing(b);
            }
            if (a instanceof Number || b instanceof Number) {
                return Objects.equals(RangeIndex.normalize(a), RangeIndex.normalize(b));
            }
            if (a instanceof Map<?, ?> x) {
                if (!(b instanceof Map<?, ?> y) || x.size() != y.size()) {
                    return false;
                }
                Iterator<? extends Map.Entry<?, ?>> other = y.entrySet().iterator();
                for (Map.Entry<?, ?> entry : x.entrySet()) {
                    Map.Entry<?, ?> next = other.next();
                    if (!entry.getKey().equals(next.getKey()) || !sameValue(entry.getValue(), next.getValue())) {
                        return false;
                    }
                }
                return true;
            }
            if (a instanceof Collection<?> x) {
                if (!(b instanceof Collection<?> y) || x.size() != y.size()) {
                    return false;
                }
                Iterator<?> other = y.iterator();
                for (Object element : x) {
                    if (!sameValue(element, other.next())) {
                        return false;
                    }
                }
                return true;
            }
            return !(b instanceof Map<?, ?>) && !(b instanceof Collection<?>) && a.equals(b);
        }
    }

    /**
     * Every stored document of the memory backend held its own copy of each field name, decoded
     * from the wire: at 200 000 subjects with their alerts, 18.8 M strings made 44 % of the live
     * heap, most of them the same few hundred names and values (agency codes, statuses, event
     * types) again and again. A million subjects then filled 11-13 GB of a 16 GB heap, and the
     * collector paused every client for 100-660 ms at a time while the reports were read. A stored
     * document now takes its names, and its string values of up to MAX_VALUE characters, from two
     * direct-mapped caches: a hit returns the instance already held, a miss takes the slot. The
     * caches are a fixed size, so unique values (codes, ids) only evict and never grow them, and a
     * name seen again re-takes its slot at once. Strings are immutable, so sharing one changes no
     * answer. Only documents no reader can see yet are rebuilt: an inserted one, and an update's
     * own request document (so what it writes is shared by either update path; a stored document
     * is never rebuilt, since a query may be walking it). The H2 backend serialises documents and
     * keeps none of this.
     */
    static final class Shared {
        private static final int SLOTS = 1 << 16;
        private static final int MAX_VALUE = 64;
        // Plain arrays: a racing reader sees null or a String, whose final fields make either safe.
        private static final String[] NAMES = new String[SLOTS];
        private static final String[] VALUES = new String[SLOTS];

        private Shared() {}

        /** Rebuilds a document not yet visible to readers with shared names and values, in its order. */
        static void share(Document document) {
            if (document.isEmpty()) {
                return;
            }
            List<Map.Entry<String, Object>> entries = new ArrayList<>(document.entrySet());
            document.clear();
            for (Map.Entry<String, Object> entry : entries) {
                document.put(intern(NAMES, entry.getKey()), value(entry.getValue()));
            }
        }

        @SuppressWarnings("unchecked")
        private static Object value(Object value) {
            if (value instanceof String text) {
                return text.length() <= MAX_VALUE ? intern(VALUES, text) : text;
            }
            if (value instanceof Document nested) {
                share(nested);
            } else if (value instanceof ArrayList<?> list) {
                ListIterator<Object> items = ((List<Object>) list).listIterator();
                while (items.hasNext()) {
                    items.set(value(items.next()));
                }
            }
            return value;
        }

        private static String intern(String[] table, String text) {
            int hash = text.hashCode();
            int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
            String held = table[slot];
            if (held != null && held.hashCode() == hash && held.equals(text)) {
                return held;
            }
            table[slot] = text;
            return text;
        }
    }

    /**
     * The library keeps each collection's data size up to date by encoding the whole document
     * before and after every write, a third of the stand-in's time under the pipeline bench.
     * Only `collStats` (the benches' bytes per document) reads it, so the stand-in's
     * collections compute it when asked instead.
     */
    static final class DataSize {
        private DataSize() {}

        static int of(Stream<Document> documents) {
            ByteBuf buffer = Unpooled.buffer();
            try {
                long total = 0;
                for (Document document : (Iterable<Document>) documents::iterator) {
                    buffer.clear();
                    BsonEncoder.encodeDocument(document, buffer);
                    total += buffer.writerIndex();
                }
                return (int) Math.min(Integer.MAX_VALUE, total);
            } finally {
                buffer.release();
            }
        }
    }

    /**
     * A query made only of plain conditions joined by "and", decided here: the library's matcher
     * reads each condition's operators again for every document and compiles a `$regex` anew
     * each time, which was a quarter of the stand-in's time reading a province-wide 10 000-row
     * export (`{ agencyCode: { $regex: '^G01\\.' } }` beside two equalities).
     *
     * Decided: a top-level field equal to a string, a boolean or null, `{ $regex: string }` alone,
     * `{ $in: [...] }` (as {@link InList}), `{ $ne: string or boolean }`, an instant equal to or
     * compared with an instant (`$lt`, `$lte`, `$gt`, `$gte`), and `$and` and `$or` of such
     * queries: an at-risk list's `{ overdue: { $ne: true }, $or: [{ atRisk: true }, { dueAt:
     * { $lt: end } }] }` sent every document of a 10 000-row export to the library's matcher,
     * scope pattern and all. A condition on a field that holds an array (which matches by its elements), or of any other shape, is left to the
     * library: the answer is then null, unless another condition already fails, which fails
     * the whole query whatever the rest says.
     */
    static final class Conjunction {
        private static final ThreadLocal<Object[]> LAST_PATTERN = new ThreadLocal<>();

        private Conjunction() {}

        /** Whether the document matches, or null when the library must decide. */
        static Boolean matches(Document document, Document query) {
            boolean undecided = false;
            for (Map.Entry<String, Object> condition : query.entrySet()) {
                Boolean holds = holds(document, condition.getKey(), condition.getValue());
                if (holds == null) {
                    undecided = true;
                } else if (!holds) {
                    return false;
                }
            }
            return undecided ? null : true;
        }

        private static Boolean holds(Document document, String field, Object condition) {
            boolean or = field.equals("$or");
            if (or || field.equals("$and")) {
                if (!(condition instanceof List<?> parts) || parts.isEmpty()) {
                    return null;
                }
                // One part that decides the whole (fails an $and, holds for an $or) wins even
                // beside parts left to the library.
                boolean undecided = false;
                for (Object part : parts) {
                    Boolean holds = part instanceof Document query ? matches(document, query) : null;
                    if (holds == null) {
                        undecided = true;
                    } else if (holds == or) {
                        return or;
                    }
                }
                return undecided ? null : !or;
            }
            if (field.isEmpty() || field.startsWith("$") || field.indexOf('.') >= 0) {
                return null;
            }
            return valueHolds(condition, document.get(field));
        }

        /**
         * Whether a field's value meets a condition of the shapes above (not `$and`, `$or`), or
         * null when the library must decide. Also the test of an index entry's key value
         * ({@link RangeIndex}), which holds a missing field as null and never an array.
         */
        static Boolean valueHolds(Object condition, Object value) {
            if (value instanceof List) {
                return null;
            }
            if (condition instanceof String || condition instanceof Boolean) {
                // A missing field, null or a value of another type is never equal to them.
                return condition.equals(value);
            }
            if (condition == null) {
                // Equal to null: a missing field or a null (an array holding null was left above).
                return value == null;
            }
            if (condition instanceof Instant instant) {
                // The list cursor's `{ dueAt: <last due>, _id: { $gt: <last code> } }`.
                return value instanceof Instant ? instant.equals(value) : null;
            }
            if (!(condition instanceof Document operator) || operator.size() != 1) {
                return null;
            }
            if (operator.get("$regex") instanceof String regex) {
                // The library also tries a pattern on a number's digits (MongoDB does not): any
                // value but a string is left to it, so that the answer stays the library's.
                return value instanceof String string ? pattern(regex).matcher(string).find() : null;
            }
            if (operator.get("$in") instanceof Collection<?> values && value instanceof String string) {
                return InList.contains(values, string);
            }
            Object operand = operator.get("$ne");
            if (operand instanceof String || operand instanceof Boolean) {
                // Missing, null and values of another type are all unequal to them.
                return !operand.equals(value);
            }
            // Instants against an instant; any other value is left to the library's type order.
            if (value instanceof Instant instant) {
                Map.Entry<String, Object> only = operator.entrySet().iterator().next();
                if (only.getValue() instanceof Instant bound) {
                    int c = instant.compareTo(bound);
                    return switch (only.getKey()) {
                        case "$lt" -> c < 0;
                        case "$lte" -> c <= 0;
                        case "$gt" -> c > 0;
                        case "$gte" -> c >= 0;
                        default -> null;
                    };
                }
            }
            return null;
        }

        /** The compiled expression, kept while one query runs (the library passes the same one for every document). */
        private static Pattern pattern(String regex) {
            Object[] last = LAST_PATTERN.get();
            if (last == null || !last[0].equals(regex)) {
                last = new Object[] {regex, Pattern.compile(regex)};
                LAST_PATTERN.set(last);
            }
            return (Pattern) last[1];
        }
    }

    /**
     * The library tests `{ field: { $in: [...] } }` by comparing the document's value with each
     * listed value in turn, so a batched read of 500 documents by `_id` made 250 000 comparisons,
     * a fifth of the stand-in's time under the pipeline bench. For a list of strings and a
     * string value the answer is the same as a set lookup; anything else is left to the library.
     * The set is built once per query (the library passes the same list for every document).
     */
    static final class InList {
        private static final int WORTH_A_SET = 8;
        private static final ThreadLocal<Object[]> LAST = new ThreadLocal<>();

        private InList() {}

        /** Whether a string is in the list, or null when the library must decide (a short list, or one not all strings). */
        static Boolean contains(Collection<?> values, String value) {
            if (values.size() < WORTH_A_SET) {
                return null;
            }
            Object[] last = LAST.get();
            if (last == null || last[0] != values) {
                Set<Object> strings = new HashSet<>(values.size() * 2);
                for (Object listed : values) {
                    if (!(listed instanceof String)) {
                        strings = null;
                        break;
                    }
                    strings.add(listed);
                }
                last = new Object[] {values, strings};
                LAST.set(last);
            }
            return last[1] == null ? null : ((Set<?>) last[1]).contains(value);
        }
    }

    /**
     * The rest of a query read in index order: matched, skipped and limited as the library does,
     * then projected. An inclusion of named fields, which is what the services' lists and exports
     * ask, is projected here from a tree built once per query: the library splits every dotted
     * name again for each document, which was a third of the stand-in's time reading a
     * 10 000-row export. The answer is the library's to the byte (see {@link Inclusion}); any other
     * projection, or a document the tree cannot project alike, goes to the library.
     */
    static final class OrderedRead {
        private OrderedRead() {}

        /** The library's read of a stream: match, skip, limit and project. */
        interface LibraryRead {
            QueryResult read(Stream<Document> documents, Document query, int skip, int limit, Document fieldSelector);
        }

        static QueryResult read(Stream<Document> ordered, Document query, int skip, int limit, Document fieldSelector, String idField,
                                BiPredicate<Document, Document> matches, Function<List<Document>, QueryResult> result, LibraryRead library) {
            Inclusion inclusion = Inclusion.of(fieldSelector, idField);
            if (inclusion == null) {
                return library.read(ordered, query, skip, limit, fieldSelector);
            }
            Stream<Document> matched = ordered.filter(document -> matches.test(document, query));
            if (skip > 0) {
                matched = matched.skip(skip);
            }
            if (limit > 0) {
                matched = matched.limit(limit);
            }
            List<Document> found = matched.collect(Collectors.toCollection(ArrayList::new));
            List<Document> projected = new ArrayList<>(found.size());
            for (Document document : found) {
                Document out = inclusion.project(document);
                if (out == null) {
                    // Already matched, skipped and limited: the library only projects them.
                    return library.read(found.stream(), new Document(), 0, 0, fieldSelector);
                }
                projected.add(out);
            }
            return result.apply(projected);
        }
    }

    /**
     * A projection that only includes named fields, as a tree of names: `{ a: 1, "s.x": 1, "s.y": 1 }`
     * is `a` and `s` with `x` and `y` under it. Projects as the library does: `_id` first unless
     * the projection names it (`_id: 0` leaves it out), then the fields in the order first named,
     * a missing field left out, a sub-document kept (empty when it holds none of the names) and
     * the stored values shared, as the library never changes a stored value in place.
     */
    static final class Inclusion {
        private static final Object LEAF = new Object();
        private final Map<String, Object> tree;
        private final String idField;
        private final boolean implicitId;

        private Inclusion(Map<String, Object> tree, String idField, boolean implicitId) {
            this.tree = tree;
            this.idField = idField;
            this.implicitId = implicitId;
        }

        /** The tree of a projection of this shape; null for any other (exclusions, operators, names that collide). */
        static Inclusion of(Document fieldSelector, String idField) {
            if (fieldSelector == null || fieldSelector.isEmpty()) {
                return null;
            }
            Map<String, Object> tree = new LinkedHashMap<>();
            for (Map.Entry<String, Object> field : fieldSelector.entrySet()) {
                String name = field.getKey();
                if (name.equals(idField) && isFlag(field.getValue(), 0)) {
                    continue;
                }
                if (!isFlag(field.getValue(), 1) || name.isEmpty() || name.indexOf('$') >= 0 || !add(tree, name.split("\\.", -1))) {
                    return null;
                }
            }
            return tree.isEmpty() ? null : new Inclusion(tree, idField, !fieldSelector.containsKey(idField));
        }

        /** An integer or boolean flag of the given value; a fraction or any other type is left to the library. */
        private static boolean isFlag(Object value, int flag) {
            if (value instanceof Boolean b) {
                return b == (flag == 1);
            }
            return (value instanceof Integer || value instanceof Long) && ((Number) value).longValue() == flag;
        }

        @SuppressWarnings("unchecked")
        private static boolean add(Map<String, Object> tree, String[] path) {
            Map<String, Object> level = tree;
            for (int i = 0; i < path.length; i++) {
                String part = path[i];
                if (part.isEmpty()) {
                    return false;
                }
                Object there = level.get(part);
                if (i == path.length - 1) {
                    // A name given twice, or both a field and a path into it: left to the library.
                    if (there != null) {
                        return false;
                    }
                    level.put(part, LEAF);
                } else if (there == null) {
                    Map<String, Object> next = new LinkedHashMap<>();
                    level.put(part, next);
                    level = next;
                } else if (there == LEAF) {
                    return false;
                } else {
                    level = (Map<String, Object>) there;
                }
            }
            return true;
        }

        /** The projected document; null when an array lies on a named path (the library projects into its elements). */
        Document project(Document document) {
            Document out = new Document();
            if (implicitId) {
                out.put(idField, document.get(idField));
            }
            return fill(document, tree, out) ? out : null;
        }

        @SuppressWarnings("unchecked")
        private static boolean fill(Document from, Map<String, Object> names, Document out) {
            for (Map.Entry<String, Object> name : names.entrySet()) {
                String field = name.getKey();
                if (name.getValue() == LEAF) {
                    if (from.containsKey(field)) {
                        out.put(field, from.get(field));
                    }
                    continue;
                }
                Object value = from.get(field);
                if (value instanceof Document inner) {
                    Document projected = new Document();
                    out.put(field, projected);
                    if (!fill(inner, (Map<String, Object>) name.getValue(), projected)) {
                        return false;
                    }
                } else if (value instanceof List) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The library runs every aggregation over the whole collection and applies a leading $match
     * in the pipeline, under the collection's lock. The driver's countDocuments is such an
     * aggregation, so counting a few hundred documents of a 200 000-document collection read
     * (and, on H2, deserialised) all of them, and every writer of that collection waited: long
     * enough for clients' server monitors to time out. Here the leading $match is run as a query,
     * which the indexes answer, and the remaining stages get only its documents; a count whose
     * $match one index holds exactly is counted from its entries (RangeIndex.countCovered). Pipelines with
     * stages outside a read-only list, with variables or explain, are left to the library.
     */
    static final class IndexedAggregate {
        private static final Set<String> READ_ONLY_STAGES = Set.of(
            "$match", "$group", "$count", "$project", "$sort", "$limit", "$skip", "$addFields", "$set", "$unset",
            "$unwind", "$replaceRoot", "$replaceWith", "$sortByCount");

        private IndexedAggregate() {}

        static Document answer(AbstractMongoDatabase<?> db, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
            if (!"aggregate".equals(command) || !(query.get("aggregate") instanceof String collectionName)) {
                return null;
            }
            if (query.containsKey("explain") || query.containsKey("let")) {
                return null;
            }
            List<Document> pipeline = Aggregation.parse(query.get("pipeline"));
            if (pipeline.isEmpty() || !(pipeline.get(0).get("$match") instanceof Document match) || pipeline.get(0).size() != 1) {
                return null;
            }
            for (Document stage : pipeline) {
                if (stage.size() != 1 || !READ_ONLY_STAGES.contains(stage.keySet().iterator().next())) {
                    return null;
                }
            }
            MongoCollection<?> collection = db.resolveCollection(collectionName, false);
            if (collection == null) {
                return null;
            }
            long covered = isCount(pipeline) ? coveredCount(collection, match) : -1;
            List<Document> result;
            if (covered >= 0) {
                // As the $group stage answers: no group at all when nothing matched.
                result = covered == 0 ? List.of() : List.of(new Document("_id", 1).append("n", covered <= Integer.MAX_VALUE ? (Object) (int) covered : (Object) covered));
            } else {
                Aggregation rest = Aggregation.fromPipeline(pipeline.subList(1, pipeline.size()), resolver, db, collection, oplog);
                result = rest.runStages(collection.handleQueryAsStream(match));
            }
            Document cursor = new Document();
            cursor.put("id", 0L);
            cursor.put("ns", db.getDatabaseName() + "." + collectionName);
            cursor.put("firstBatch", result);
            Document response = new Document();
            response.put("cursor", cursor);
            response.put("ok", 1.0);
            return response;
        }

        /** The driver's countDocuments: `$match`, then `{ $group: { _id: 1, n: { $sum: 1 } } }`. */
        private static boolean isCount(List<Document> pipeline) {
            return pipeline.size() == 2
                && pipeline.get(1).get("$group") instanceof Document group && group.size() == 2 && isOne(group.get("_id"))
                && group.get("n") instanceof Document sum && sum.size() == 1 && isOne(sum.get("$sum"));
        }

        private static boolean isOne(Object value) {
            return value instanceof Number n && n.doubleValue() == 1.0;
        }

        /** A count the collection's RangeIndexes answer from their entries alone (RangeIndex.countCovered); -1 when none can. */
        private static long coveredCount(MongoCollection<?> collection, Document match) {
            if (!(collection instanceof AbstractMongoCollection<?> indexed)) {
                return -1;
            }
            return RangeIndex.countFromIndexes(indexed.getIndexes(), match);
        }
    }
}
