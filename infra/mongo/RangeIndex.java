import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.DefaultQueryMatcher;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryMatcher;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A secondary (non-unique) index for mongo-java-server, which ignores every index that is not
 * unique and so answers `{ status: 'open' }` or `{ nextFireAt: { $lt: t } }` by scanning the
 * whole collection while holding it. MongoDB answers those from its indexes; without this class
 * the local stand-in, not the code under test, decided how the pipeline scaled.
 *
 * It only ever narrows which documents the server reads: the server applies the full query to
 * every document this index returns, so the index may return more than matches, never less.
 * It therefore answers conservatively: equality on a prefix of its keys, then at most one range,
 * `$in` or `$ne` on the next key, with plain non-null values; anything else (null, regexes, arrays,
 * sub-documents, other operators, dotted paths) is left to the scan. Documents it cannot key
 * (parallel arrays, an empty array) are returned for every query it answers.
 *
 * Entries live on the heap and are rebuilt from the documents when the server opens a
 * collection (the H2 file keeps documents, not this index).
 */
final class RangeIndex<P> extends Index<P> {

    private static final Object MIN = new Object();
    private static final Object MAX = new Object();
    private static final ValueComparator VALUES = ValueComparator.asc();
    private static final Set<String> RANGE_OPERATORS = Set.of("$gt", "$gte", "$lt", "$lte");

    /** Key values followed by the document's `_id`, so every entry is unique and ordered. */
    private final TreeMap<Object[], P> entries = new TreeMap<>(RangeIndex::compareEntries);
    private final Map<Object, List<Object[]>> entriesById = new HashMap<>();
    private final Map<Object, P> unkeyed = new HashMap<>();
    /**
     * Set once a document held an array in one of the keys: it then has one entry per element
     * and matches an equality on any of them, so the entries no longer give the documents in
     * the order a sort on those fields asks for. Never cleared (a rebuild at open starts anew).
     */
    private boolean multikey;
    /**
     * Entries holding a key value that is not plain (a sub-document, a pattern): while there is
     * none, a count over the entries need not look at every key of every entry it reads for
     * one. That look touched each entry's `_id` and due instant, one cache miss each in a heap
     * of a million subjects, and was most of an at-risk list's total.
     */
    private int notPlain;

    /** Declared unique, and unique by construction: see {@link #unique}. */
    private final boolean declaredUnique;
    /** The RangeIndexes of the same collection, this one included. */
    private final Peers peers;

    /**
     * The RangeIndexes of each collection, per database object. Kept here rather than in the
     * database: the library's database constructor opens the stored collections, and so asks
     * for their indexes, before a subclass's fields are initialised.
     */
    private static final Map<Object, Map<String, Peers>> PEERS = new WeakHashMap<>();

    private static Peers peersOf(Object database, String collectionName) {
        synchronized (PEERS) {
            return PEERS.computeIfAbsent(database, db -> new HashMap<>()).computeIfAbsent(collectionName, name -> new Peers());
        }
    }

    /** The RangeIndexes of one collection in the order they were opened, and which of them answered the last query. */
    private static final class Peers {
        private final List<RangeIndex<?>> members = new ArrayList<>();
        private Document lastQuery;
        private RangeIndex<?> lastWinner;

        synchronized void add(RangeIndex<?> index) {
            members.add(index);
            lastQuery = null;
        }

        synchronized void remove(RangeIndex<?> index) {
            members.remove(index);
            lastQuery = null;
        }

        /**
         * The member that narrows the query most (the first opened wins a tie), or null. The
         * library asks each index in turn with the same query object, so the choice is made
         * once per query rather than once per index asked.
         */
        synchronized RangeIndex<?> winner(Document query) {
            if (query != lastQuery) {
                RangeIndex<?> best = null;
                int bestNarrowing = -1;
                for (RangeIndex<?> member : members) {
                    int narrowing = member.narrowing(query);
                    if (narrowing > bestNarrowing) {
                        best = member;
                        bestNarrowing = narrowing;
                    }
                }
                lastQuery = query;
                lastWinner = best;
            }
            return lastWinner;
        }
    }

    /** A secondary index of `collectionName` in `database`. */
    static <P> RangeIndex<P> secondary(Object database, String collectionName, String name, List<IndexKey> keys) {
        return new RangeIndex<>(name, keys, false, peersOf(database, collectionName));
    }

    private RangeIndex(String name, List<IndexKey> keys, boolean declaredUnique, Peers peers) {
        // Declared sparse: removeDocument accepts a null position from a sparse index, and this
        // index leaves positions to the collection's unique indexes.
        super(name, keys, true);
        this.declaredUnique = declaredUnique;
        this.peers = peers;
        peers.add(this);
    }

    /**
     * A unique index whose first key is `_id` (e.g. `{ _id: 1, revision: 1 }`, declared so
     * that a conditional write by id and revision is answered from an index) can never refuse a
     * document the `_id` index accepts. The library would keep it as one more B-tree in the H2
     * file, checked and written on every insert and update; here it lives on the heap and
     * answers the same queries. Null for any other key list: the library's own index enforces it.
     */
    static <P> RangeIndex<P> unique(Object database, String collectionName, String name, List<IndexKey> keys) {
        return keys.size() > 1 && "_id".equals(keys.get(0).getKey()) ? new RangeIndex<>(name, keys, true, peersOf(database, collectionName)) : null;
    }

    @Override
    public boolean isUnique() {
        return declaredUnique;
    }

    @Override
    public P getPosition(Document document) {
        return null;
    }

    @Override
    public void checkAdd(Document document, MongoCollection<P> collection) {
        // Not unique: nothing to refuse.
    }

    @Override
    public synchronized void add(Document document, P position, MongoCollection<P> collection) {
        put(document.get("_id"), entriesOf(document), position);
    }

    /**
     * The index entries of a document (key values, then `_id`); empty when it cannot be keyed.
     * Top-level keys holding plain values, the common case, are read directly; the library's
     * key extraction (dotted paths, arrays, sub-documents) is several times slower and showed
     * as much of the stand-in's time on every write.
     */
    private List<Object[]> entriesOf(Document document) {
        Object id = document.get("_id");
        List<String> keys = keys();
        Object[] direct = new Object[keys.size() + 1];
        for (int i = 0; i < keys.size() && direct != null; i++) {
            String key = keys.get(i);
            Object value = key.indexOf('.') < 0 ? document.get(key) : null;
            if (key.indexOf('.') >= 0 || value instanceof Collection<?> || value instanceof Map<?, ?>) {
                direct = null;
            } else {
                // As the library keys a value: missing and null alike, numbers as doubles.
                direct[i] = value instanceof Missing ? null : normalize(value);
            }
        }
        if (direct != null) {
            direct[keys.size()] = id;
            return List.<Object[]>of(direct);
        }
        for (String key : keys) {
            if (document.get(key) instanceof Collection<?>) {
                multikey = true;
            }
        }
        Set<KeyValue> keyValues;
        try {
            keyValues = getKeyValues(document);
        } catch (RuntimeException e) {
            return List.of();
        }
        List<Object[]> own = new ArrayList<>(keyValues.size());
        for (KeyValue keyValue : keyValues) {
            Object[] entry = new Object[keyValue.size() + 1];
            for (int i = 0; i < keyValue.size(); i++) {
                entry[i] = keyValue.get(i);
            }
            entry[keyValue.size()] = id;
            own.add(entry);
        }
        return own;
    }

    private void put(Object id, List<Object[]> own, P position) {
        if (own.isEmpty()) {
            unkeyed.put(id, position);
            return;
        }
        for (Object[] entry : own) {
            // Counted as remove() uncounts it: only when the map did not hold the entry already.
            if (entries.put(entry, position) == null && !plainKeys(entry)) {
                notPlain++;
            }
        }
        entriesById.put(id, own);
    }

    @Override
    public synchronized P remove(Document document) {
        Object id = document.get("_id");
        List<Object[]> own = entriesById.remove(id);
        if (own != null) {
            for (Object[] entry : own) {
                if (entries.remove(entry) != null && !plainKeys(entry)) {
                    notPlain--;
                }
            }
        }
        unkeyed.remove(id);
        return null;
    }

    @Override
    public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<P> collection) {
        // Not unique: nothing to refuse.
    }

    @Override
    public synchronized void updateInPlace(Document oldDocument, Document newDocument, P position, MongoCollection<P> collection) {
        // Compared with the entries held rather than with the old document's keys, computed again.
        Object id = newDocument.get("_id");
        List<Object[]> fresh = entriesOf(newDocument);
        List<Object[]> held = entriesById.get(id);
        if (held != null ? sameEntries(held, fresh) : fresh.isEmpty() && unkeyed.containsKey(id)) {
            return;
        }
        remove(oldDocument);
        put(id, fresh, position);
    }

    private static boolean sameEntries(List<Object[]> a, List<Object[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (compareEntries(a.get(i), b.get(i)) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The library reads through the first index that says it can answer, in the order the
     * indexes were opened. So that `{ status: 'open', dueAt: { $lt: t } }` is not answered by
     * `{ status, _id }` (every open document) when `{ status, dueAt }` exists, an index says
     * yes only when no other RangeIndex of the collection narrows the query further (the first
     * opened wins a tie).
     */
    @Override
    public boolean canHandle(Document query) {
        // Its own plan is checked as well: a query object changed since the choice was made can
        // only cost the narrowest index, never send a query to an index that cannot answer it.
        return narrowing(query) >= 0 && peers.winner(query) == this;
    }

    /** How far the query narrows this index: two per key held equal, one more for a range or `$in` on the next key; -1 when not answerable. */
    private int narrowing(Document query) {
        Plan plan = plan(query);
        return plan == null ? -1 : 2 * plan.equalKeys() + (plan.bounded() ? 1 : 0);
    }

    /** The key ranges that hold every document the query can match, and how the query narrows them. */
    private record Plan(List<Object[][]> ranges, int equalKeys, boolean bounded) {}

    @Override
    public synchronized Iterable<P> getPositions(Document query) {
        Plan plan = plan(query);
        Set<P> positions = new LinkedHashSet<>();
        if (plan == null) {
            throw new IllegalStateException("query not answerable by " + getName());
        }
        for (Object[][] range : plan.ranges()) {
            // A range that is empty by its bounds ($gt a later instant than its $lte) holds
            // nothing; TreeMap refuses such a sub-map.
            if (compareEntries(range[0], range[1]) > 0) {
                continue;
            }
            positions.addAll(entries.subMap(range[0], true, range[1], true).values());
        }
        positions.addAll(unkeyed.values());
        return positions;
    }

    /**
     * The documents at {@link #inOrder}'s positions, read as the stream is consumed (a limit
     * stops the read); null to leave the query to the library.
     */
    static <P> Stream<Document> documentsInOrder(List<Index<P>> indexes, Document query, Document orderBy, Function<P, Document> documentAt) {
        Iterable<P> positions = inOrder(indexes, query, orderBy);
        // Of unknown size: a sub-map's values() would count its whole range to size the stream
        // (TreeMap keeps no ranks), before a limit of 50 reads 50.
        return positions == null ? null : StreamSupport.stream(Spliterators.spliteratorUnknownSize(positions.iterator(), Spliterator.ORDERED), false).map(documentAt);
    }

    /**
     * For a collection's query path: the positions the query can match in the order `orderBy`
     * asks for, from the RangeIndex that narrows the query most (among equals, one that gives
     * that order); null to leave the query to the library, which sorts what it matched. A
     * unique index of the library that answers the query (`_id` held equal) keeps it.
     */
    static <P> Iterable<P> inOrder(List<Index<P>> indexes, Document query, Document orderBy) {
        if (orderBy == null || orderBy.isEmpty()) {
            return null;
        }
        int best = -1;
        for (Index<P> index : indexes) {
            if (!(index instanceof RangeIndex<P> range)) {
                if (index.canHandle(query)) {
                    return null;
                }
                continue;
            }
            best = Math.max(best, range.narrowing(query));
        }
        if (best < 0) {
            // No index narrows the query. MongoDB's planner still prefers an index that holds the
            // order asked for to a sort of every document: reading it in that order, a limit stops
            // the read (the newest 100 alerts of a province out of a year's). Without one, the
            // library scans and sorts as before.
            for (Index<P> index : indexes) {
                if (index instanceof RangeIndex<P> range) {
                    synchronized (range) {
                        Iterable<P> positions = range.positionsInKeyOrder(orderBy);
                        if (positions != null) {
                            return positions;
                        }
                    }
                }
            }
            return null;
        }
        for (Index<P> index : indexes) {
            if (index instanceof RangeIndex<P> range && range.narrowing(query) == best) {
                synchronized (range) {
                    Iterable<P> positions = range.positionsInOrder(query, orderBy);
                    if (positions != null) {
                        return positions;
                    }
                }
            }
        }
        return null;
    }

    /**
     * The positions the query can match, lazily, in the order `orderBy` asks for; null when this
     * index cannot give them in that order. The entries are sorted by the keys and then `_id`,
     * so after the keys held equal they are in the order of the remaining keys: a sort on those
     * (all ascending or all descending, the constant keys anywhere) needs no sorting, and a
     * limit stops the read, as MongoDB's index scan without a sort stage does. Only for one key
     * range, no multikey entries and no unkeyed documents, where the order is exact.
     *
     * The returned view reads the entries while the caller iterates: the collection calls this
     * from its query path, which holds the collection's lock, as every write does.
     */
    Iterable<P> positionsInOrder(Document query, Document orderBy) {
        if (orderBy == null || orderBy.isEmpty() || multikey || !unkeyed.isEmpty()) {
            return null;
        }
        Plan plan = plan(query);
        if (plan == null) {
            return null;
        }
        int direction = plan.ranges().size() == 1 ? direction(orderBy, plan.equalKeys()) : 0;
        if (direction != 0) {
            Object[][] range = plan.ranges().get(0);
            if (compareEntries(range[0], range[1]) > 0) {
                return List.of();
            }
            NavigableMap<Object[], P> slice = entries.subMap(range[0], true, range[1], true);
            return (direction < 0 ? slice.descendingMap() : slice).values();
        }
        return plan.bounded() ? merged(plan, orderBy) : null;
    }

    /**
     * Every position in the order `orderBy` asks for when this index's keys (then `_id`) give it
     * from the first, whatever the query; null otherwise. As {@link #positionsInOrder}, only
     * without multikey entries or unkeyed documents, so that every document is read once, in
     * exactly that order.
     */
    Iterable<P> positionsInKeyOrder(Document orderBy) {
        if (orderBy == null || orderBy.isEmpty() || multikey || !unkeyed.isEmpty()) {
            return null;
        }
        int direction = direction(orderBy, 0);
        if (direction == 0) {
            return null;
        }
        return (direction < 0 ? entries.descendingMap() : entries).values();
    }

    /**
     * The direction (1 or -1) in which the entries give the order `orderBy` asks for once their
     * first `constantKeys` keys are held equal; 0 when they do not give it.
     */
    private int direction(Document orderBy, int constantKeys) {
        List<String> keys = keys();
        List<String> constant = keys.subList(0, constantKeys);
        List<String> ordered = new ArrayList<>(keys.subList(constantKeys, keys.size()));
        ordered.add("_id");
        int direction = 0;
        int matched = 0;
        for (Map.Entry<String, Object> sortKey : orderBy.entrySet()) {
            if (!(sortKey.getValue() instanceof Number n) || Math.abs(n.doubleValue()) != 1.0) {
                return 0;
            }
            int sign = n.doubleValue() > 0 ? 1 : -1;
            if (direction != 0 && sign != direction) {
                return 0;
            }
            direction = sign;
            if (constant.contains(sortKey.getKey())) {
                continue;
            }
            if (matched >= ordered.size() || !ordered.get(matched).equals(sortKey.getKey())) {
                return 0;
            }
            matched++;
        }
        return direction;
    }

    /** More slices than this and a merged read is left to the library's sort. */
    private static final int MAX_MERGED_SLICES = 16;

    /**
     * The positions in the order `orderBy` asks for when the ranged key (the one after those held
     * equal) is not part of that order: `{ overdue: { $ne: true } }` or an `$in` sorted by due
     * instant. Each range is cut into slices that hold the ranged key to one value, found by
     * skipping from one value to the next as MongoDB's index scan seeks; within a slice the
     * entries are in the order of the later keys, and the slices are merged on those as
     * MongoDB's SORT_MERGE does. Null when the order is another or the values are too many.
     */
    private Iterable<P> merged(Plan plan, Document orderBy) {
        int ranged = plan.equalKeys();
        int direction = direction(orderBy, ranged + 1);
        if (direction == 0 || orderBy.containsKey(keys().get(ranged))) {
            return null;
        }
        List<NavigableMap<Object[], P>> slices = new ArrayList<>();
        // An `$in` may name a value twice (2 and 2.0 alike): its slice is read once.
        Set<Object> sliced = new TreeSet<>(RangeIndex::compareValues);
        for (Object[][] range : plan.ranges()) {
            if (compareEntries(range[0], range[1]) > 0) {
                continue;
            }
            Object[] from = range[0];
            for (Object[] first = entries.ceilingKey(from); first != null && compareEntries(first, range[1]) <= 0; first = entries.ceilingKey(from)) {
                List<Object> held = Arrays.asList(first).subList(0, ranged);
                Object[] low = edge(held, first[ranged], MIN, keys().size());
                Object[] high = edge(held, first[ranged], MAX, keys().size());
                from = high;
                if (!sliced.add(first[ranged])) {
                    continue;
                }
                if (slices.size() == MAX_MERGED_SLICES) {
                    return null;
                }
                slices.add(entries.subMap(compareEntries(low, range[0]) < 0 ? range[0] : low, true, compareEntries(high, range[1]) > 0 ? range[1] : high, true));
            }
        }
        Comparator<Head<P>> byLaterKeys = (a, b) -> direction * compareFrom(a.key(), b.key(), ranged + 1);
        return () -> new Iterator<P>() {
            private final PriorityQueue<Head<P>> heads = new PriorityQueue<>(byLaterKeys);
            {
                for (NavigableMap<Object[], P> slice : slices) {
                    advance((direction < 0 ? slice.descendingMap() : slice).entrySet().iterator());
                }
            }

            private void advance(Iterator<Map.Entry<Object[], P>> rest) {
                if (rest.hasNext()) {
                    Map.Entry<Object[], P> next = rest.next();
                    heads.add(new Head<>(next.getKey(), next.getValue(), rest));
                }
            }

            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public P next() {
                Head<P> head = heads.poll();
                if (head == null) {
                    throw new NoSuchElementException();
                }
                advance(head.rest());
                return head.position();
            }
        };
    }

    /** A slice's next entry in a merged read, and the rest of the slice. */
    private record Head<P>(Object[] key, P position, Iterator<Map.Entry<Object[], P>> rest) {}

    /** Compares two entries from key `from` on (`_id` last). */
    private static int compareFrom(Object[] a, Object[] b, int from) {
        for (int i = from; i < Math.min(a.length, b.length); i++) {
            int c = compareValues(a[i], b[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.length, b.length);
    }

    /**
     * The conditions every match meets: the query's own fields and, recursively, those of the
     * documents under its top-level `$and` (the drivers' and the services' way to combine
     * filters). Any of them may narrow the read, since the server applies the whole query to
     * what the index returns; without this a list of open dossiers built with `$and` read the
     * whole collection. Where two parts constrain the same field, the one that narrows most is
     * used (a value before an `$in`, an `$in` before a range, a range before anything else; the
     * first of equals), so `{ agencyCode: { $nin: [null] } }` next to `{ agencyCode: 'X' }`
     * reads by 'X'.
     */
    private static Document necessary(Document query) {
        if (!(query.get("$and") instanceof List<?> parts)) {
            return query;
        }
        Document merged = new Document();
        for (Map.Entry<String, Object> field : query.entrySet()) {
            if (!field.getKey().equals("$and")) {
                merged.put(field.getKey(), field.getValue());
            }
        }
        for (Object part : parts) {
            if (part instanceof Document conditions) {
                for (Map.Entry<String, Object> field : necessary(conditions).entrySet()) {
                    Object held = merged.get(field.getKey());
                    if (!merged.containsKey(field.getKey()) || selectivity(field.getValue()) > selectivity(held)) {
                        merged.put(field.getKey(), field.getValue());
                    }
                }
            }
        }
        return merged;
    }

    /** How much a condition narrows a read: 3 a value, 2 an `$in`, 1 a range, 0 anything else. */
    private static int selectivity(Object condition) {
        if (asValue(condition) != null) {
            return 3;
        }
        if (condition instanceof Document operators && !operators.isEmpty()) {
            if (operators.keySet().equals(Set.of("$in"))) {
                return 2;
            }
            if (RANGE_OPERATORS.containsAll(operators.keySet()) || operators.keySet().equals(Set.of("$ne"))) {
                return 1;
            }
        }
        return 0;
    }

    /**
     * The one value a condition holds its field to: a plain value, or an `$in` of one plain
     * value (what a filter built from a list of one agency looks like); null otherwise.
     */
    private static Object asValue(Object condition) {
        if (isPlain(condition)) {
            return condition;
        }
        if (condition instanceof Document operators && operators.size() == 1
            && operators.get("$in") instanceof Collection<?> values && values.size() == 1) {
            Object only = values.iterator().next();
            return isPlain(only) ? only : null;
        }
        return null;
    }

    /** Null when not answerable. Reads only the query and the index's keys, never the entries. */
    private Plan plan(Document original) {
        Document query = necessary(original);
        List<String> keys = keys();
        for (String key : keys) {
            if (key.contains(".")) {
                return null;
            }
        }
        List<Object> prefix = new ArrayList<>();
        int next = 0;
        while (next < keys.size() && query.containsKey(keys.get(next)) && asValue(query.get(keys.get(next))) != null) {
            prefix.add(normalize(asValue(query.get(keys.get(next)))));
            next++;
        }
        List<Object[][]> ranges = new ArrayList<>();
        Object condition = next < keys.size() ? query.get(keys.get(next)) : null;
        if (condition instanceof Document operators && !operators.isEmpty()) {
            if (operators.keySet().equals(Set.of("$in")) && operators.get("$in") instanceof Collection<?> values && !values.isEmpty()) {
                for (Object value : values) {
                    if (!isPlain(value)) {
                        return null;
                    }
                    ranges.add(bounds(prefix, normalize(value), normalize(value), keys.size()));
                }
                return new Plan(ranges, prefix.size(), true);
            }
            if (operators.size() == 1 && isPlain(operators.get("$ne"))) {
                // Every entry but those holding the value: the ones below it and the ones above.
                Object value = normalize(operators.get("$ne"));
                ranges.add(new Object[][] {bounds(prefix, MIN, MIN, keys.size())[0], edge(prefix, value, MIN, keys.size())});
                ranges.add(new Object[][] {edge(prefix, value, MAX, keys.size()), bounds(prefix, MAX, MAX, keys.size())[1]});
                return new Plan(ranges, prefix.size(), true);
            }
            if (RANGE_OPERATORS.containsAll(operators.keySet())) {
                Object low = MIN;
                Object high = MAX;
                for (Map.Entry<String, Object> operator : operators.entrySet()) {
                    if (!isPlain(operator.getValue())) {
                        return null;
                    }
                    // Each bound alone is a necessary condition; one of each side is enough.
                    if (operator.getKey().startsWith("$g")) {
                        low = normalize(operator.getValue());
                    } else {
                        high = normalize(operator.getValue());
                    }
                }
                // MongoDB compares a bound with values of its own type only, so `{ $gte: '2026-12-01' }`
                // matches no instant: the open side stops at the edge of the bound's type. Left
                // at MIN or MAX, the services' string form of an instant bound (asked beside the
                // instant form, for documents of earlier releases) read every instant entry.
                if (low == MIN && high != MAX) {
                    low = TypeEdge.below(high);
                } else if (high == MAX && low != MIN) {
                    high = TypeEdge.above(low);
                }
                ranges.add(bounds(prefix, low, high, keys.size()));
                return new Plan(ranges, prefix.size(), true);
            }
        }
        if (prefix.isEmpty()) {
            return null;
        }
        ranges.add(bounds(prefix, MIN, MAX, keys.size()));
        return new Plan(ranges, prefix.size(), false);
    }

    /**
     * How many documents match the query, counted from this index's entries alone as MongoDB's
     * COUNT_SCAN does, without reading a document; -1 when the entries cannot tell exactly. That
     * is so only for a conjunction of top-level conditions that are all on this index's leading
     * keys: plain values held equal, then at most one `$in` of plain values or one prefix match
     * (`{ $regex: '^literal' }`, an agency scope), on an index with one entry per document (no multikey or unkeyed ones).
     * The strings that start with a literal are exactly those from it up to, not including,
     * its successor (the last character raised by one).
     */
    synchronized long countCovered(Document query) {
        if (multikey || !unkeyed.isEmpty()) {
            return -1;
        }
        Map<String, Object> conditions = new HashMap<>();
        if (!conjunction(query, conditions)) {
            return -1;
        }
        List<String> keys = keys();
        List<Object> prefix = new ArrayList<>();
        while (prefix.size() < keys.size() && isPlain(conditions.get(keys.get(prefix.size())))) {
            prefix.add(normalize(conditions.get(keys.get(prefix.size()))));
        }
        int used = prefix.size();
        Object last = used < keys.size() ? conditions.get(keys.get(used)) : null;
        String literal = last != null ? literalPrefix(last) : null;
        Set<Object> listed = last != null && literal == null ? plainValues(last) : null;
        if (literal != null || listed != null) {
            used++;
        }
        if (used == 0 || used != conditions.size()) {
            return -1;
        }
        if (literal != null) {
            String successor = literal.substring(0, literal.length() - 1) + (char) (literal.charAt(literal.length() - 1) + 1);
            // Below every entry that holds the successor itself.
            return countBetween(bounds(prefix, literal, MIN, keys.size())[0], bounds(prefix, successor, MIN, keys.size())[0]);
        }
        if (listed != null) {
            long n = 0;
            for (Object value : listed) {
                Object[][] range = bounds(prefix, value, value, keys.size());
                n += countBetween(range[0], range[1]);
            }
            return n;
        }
        Object[][] range = bounds(prefix, MIN, MAX, keys.size());
        return countBetween(range[0], range[1]);
    }

    /**
     * How many documents match the query, counted over the entries of the query's key ranges
     * with the query applied to each entry's key values, as MongoDB counts a query whose fields
     * its index holds (an index scan with a filter and no fetch). Only for a query {@link
     * #coveredBy} this index's fields: every field it names, under `$and`, `$or` and `$nor` too,
     * is a key, and every condition treats a missing field as null (no `$exists`, `$type`, array
     * or sub-document operators), as the entries hold a missing key as null. -1 when the entries
     * cannot tell (multikey or unkeyed documents).
     */
    private synchronized long countFromEntries(Document query) {
        Plan plan = multikey || !unkeyed.isEmpty() ? null : plan(query);
        if (plan == null) {
            return -1;
        }
        EntryTest test = entryTest(query, new DefaultQueryMatcher());
        if (test == null) {
            return -1;
        }
        long n = 0;
        for (Object[][] range : plan.ranges()) {
            if (compareEntries(range[0], range[1]) > 0) {
                continue;
            }
            for (Object[] entry : entries.subMap(range[0], true, range[1], true).keySet()) {
                if (notPlain > 0 && !plainKeys(entry)) {
                    return -1;
                }
                if (test.matches(entry)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** A query decided on an index entry's key values (then `_id`), as the library's matcher decides it on a document holding them. */
    private interface EntryTest {
        boolean matches(Object[] entry);
    }

    /**
     * The query as a test of an entry; null for a part it cannot decide (the count then reads the
     * documents), which {@link #coveredBy} has already ruled out. Counting the at-risk list's
     * total by the library's matcher built a document per entry and had
     * the matcher split each field name and compile the agency scope's pattern again for every
     * one of a province's open entries (tens of thousands per page). The structure (`$and`,
     * `$or`, `$nor`, which key a field is) is read once here; each field's condition is decided
     * as the launcher decides it on a document ({@code MongoLauncher.Conjunction.valueHolds}), a
     * pattern is converted once and then matched as the library does, and anything else is the
     * library's (`matchesValue`, what its matcher calls for a field that holds a value).
     */
    private EntryTest entryTest(Document query, QueryMatcher matcher) {
        List<EntryTest> parts = new ArrayList<>();
        for (Map.Entry<String, Object> field : query.entrySet()) {
            String name = field.getKey();
            Object condition = field.getValue();
            if (name.equals("$and") || name.equals("$or") || name.equals("$nor")) {
                if (!(condition instanceof List<?> list) || list.isEmpty()) {
                    return null;
                }
                List<EntryTest> each = new ArrayList<>();
                for (Object part : list) {
                    EntryTest test = part instanceof Document conditions ? entryTest(conditions, matcher) : null;
                    if (test == null) {
                        return null;
                    }
                    each.add(test);
                }
                EntryTest[] all = each.toArray(EntryTest[]::new);
                parts.add(switch (name) {
                    case "$and" -> entry -> allMatch(all, entry);
                    case "$or" -> entry -> anyMatches(all, entry);
                    default -> entry -> !anyMatches(all, entry);
                });
                continue;
            }
            int position = name.equals("_id") ? keys().size() : keys().indexOf(name);
            if (name.startsWith("$") || position < 0) {
                return null;
            }
            if (BsonRegularExpression.isRegularExpression(condition)) {
                // The library matches a pattern against any value's text, and nothing against null.
                BsonRegularExpression pattern = BsonRegularExpression.convertToRegularExpression(condition);
                parts.add(entry -> entry[position] != null && pattern.matcher(entry[position].toString()).find());
            } else {
                // The shapes the launcher decides on a document it decides on a key value too:
                // the library's matcher reads the condition's operators anew for every entry,
                // and an at-risk total tests each of a province's open entries.
                parts.add(entry -> {
                    Boolean known = MongoLauncher.Conjunction.valueHolds(condition, entry[position]);
                    return known != null ? known : matcher.matchesValue(condition, entry[position]);
                });
            }
        }
        EntryTest[] all = parts.toArray(EntryTest[]::new);
        return entry -> allMatch(all, entry);
    }

    private static boolean allMatch(EntryTest[] tests, Object[] entry) {
        for (EntryTest t : tests) {
            if (!t.matches(entry)) {
                return false;
            }
        }
        return true;
    }

    private static boolean anyMatches(EntryTest[] tests, Object[] entry) {
        for (EntryTest t : tests) {
            if (t.matches(entry)) {
                return true;
            }
        }
        return false;
    }

    /** The fields this index's entries hold: its keys and `_id`. */
    private Set<String> fields() {
        Set<String> held = new HashSet<>(keys());
        held.add("_id");
        return held;
    }

    private static final Set<String> VALUE_OPERATORS = Set.of("$eq", "$ne", "$gt", "$gte", "$lt", "$lte");

    /** Whether every field the query names is in `held`, with conditions that read a missing field as null. */
    private static boolean coveredBy(Document query, Set<String> held) {
        for (Map.Entry<String, Object> field : query.entrySet()) {
            String name = field.getKey();
            if (name.equals("$and") || name.equals("$or") || name.equals("$nor")) {
                if (!(field.getValue() instanceof List<?> parts) || parts.isEmpty()) {
                    return false;
                }
                for (Object part : parts) {
                    if (!(part instanceof Document conditions) || !coveredBy(conditions, held)) {
                        return false;
                    }
                }
            } else if (name.startsWith("$") || !held.contains(name) || !readsMissingAsNull(field.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static boolean readsMissingAsNull(Object condition) {
        if (condition == null || isPlain(condition) || isPattern(condition)) {
            return true;
        }
        if (!(condition instanceof Document operators) || operators.isEmpty() || operators.keySet().stream().noneMatch(k -> k.startsWith("$"))) {
            return false;
        }
        for (Map.Entry<String, Object> operator : operators.entrySet()) {
            Object argument = operator.getValue();
            boolean fine = switch (operator.getKey()) {
                case "$in", "$nin" -> argument instanceof Collection<?> values
                    && values.stream().allMatch(v -> v == null || isPlain(v) || isPattern(v));
                case "$regex" -> argument instanceof String || isPattern(argument);
                case "$options" -> argument instanceof String;
                case "$not" -> isPattern(argument) || argument instanceof Document inner && readsMissingAsNull(inner);
                default -> VALUE_OPERATORS.contains(operator.getKey()) && (argument == null || isPlain(argument));
            };
            if (!fine) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPattern(Object value) {
        return value instanceof Pattern || BsonRegularExpression.isRegularExpression(value);
    }

    /**
     * A count answered from index entries alone, or -1: exactly from one index's bounds when one
     * holds the query so ({@link #countCovered}), else by matching the entries of the index that
     * narrows the query most among those that hold every field it names ({@link #countFromEntries}).
     */
    static long countFromIndexes(Collection<? extends Index<?>> indexes, Document query) {
        RangeIndex<?> best = null;
        int bestNarrowing = -1;
        for (Index<?> index : indexes) {
            if (index instanceof RangeIndex<?> range) {
                long n = range.countCovered(query);
                if (n >= 0) {
                    return n;
                }
                int narrowing = range.narrowing(query);
                if (narrowing > bestNarrowing && coveredBy(query, range.fields())) {
                    best = range;
                    bestNarrowing = narrowing;
                }
            }
        }
        return best == null ? -1 : best.countFromEntries(query);
    }

    private long countBetween(Object[] from, Object[] to) {
        return compareEntries(from, to) > 0 ? 0 : entries.subMap(from, true, to, true).size();
    }

    /** The distinct values of an `{ $in: [...] }` of plain values, as the index holds them; null for anything else. */
    private static Set<Object> plainValues(Object condition) {
        if (!(condition instanceof Document operators) || operators.size() != 1 || !(operators.get("$in") instanceof Collection<?> values)) {
            return null;
        }
        Set<Object> distinct = new TreeSet<>(RangeIndex::compareValues);
        for (Object value : values) {
            if (!isPlain(value)) {
                return null;
            }
            distinct.add(normalize(value));
        }
        return distinct;
    }

    /** The query's field conditions, its top-level `$and` included; false for anything else or a field named twice. */
    private static boolean conjunction(Document query, Map<String, Object> into) {
        for (Map.Entry<String, Object> field : query.entrySet()) {
            if (field.getKey().equals("$and") && field.getValue() instanceof List<?> parts) {
                for (Object part : parts) {
                    if (!(part instanceof Document conditions) || !conjunction(conditions, into)) {
                        return false;
                    }
                }
                continue;
            }
            if (field.getKey().startsWith("$") || field.getKey().indexOf('.') >= 0 || into.put(field.getKey(), field.getValue()) != null) {
                return false;
            }
        }
        return true;
    }

    /** The literal a `{ $regex: '^literal' }` condition asks strings to start with; null for any other pattern. */
    private static String literalPrefix(Object condition) {
        if (!(condition instanceof Document operators) || operators.size() != 1 || !(operators.get("$regex") instanceof String pattern)
            || pattern.length() < 2 || pattern.charAt(0) != '^') {
            return null;
        }
        StringBuilder literal = new StringBuilder();
        for (int i = 1; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\') {
                if (++i >= pattern.length() || Character.isLetterOrDigit(pattern.charAt(i))) {
                    return null;
                }
                literal.append(pattern.charAt(i));
            } else if (".^$|?*+()[]{}".indexOf(c) >= 0) {
                return null;
            } else {
                literal.append(c);
            }
        }
        char last = literal.length() > 0 ? literal.charAt(literal.length() - 1) : Character.MAX_VALUE;
        return last == Character.MAX_VALUE || Character.isSurrogate(last) ? null : literal.toString();
    }

    private static Object[][] bounds(List<Object> prefix, Object low, Object high, int keyCount) {
        Object[] from = new Object[keyCount + 1];
        Object[] to = new Object[keyCount + 1];
        for (int i = 0; i <= keyCount; i++) {
            boolean inPrefix = i < prefix.size();
            from[i] = inPrefix ? prefix.get(i) : i == prefix.size() ? low : MIN;
            to[i] = inPrefix ? prefix.get(i) : i == prefix.size() ? high : MAX;
        }
        return new Object[][] {from, to};
    }

    /** The prefix, then `value`, then `fill` on every later key and on `_id`. */
    private static Object[] edge(List<Object> prefix, Object value, Object fill, int keyCount) {
        Object[] entry = new Object[keyCount + 1];
        for (int i = 0; i <= keyCount; i++) {
            entry[i] = i < prefix.size() ? prefix.get(i) : i == prefix.size() ? value : fill;
        }
        return entry;
    }

    /** Whether every key value of an entry (its `_id` aside) is null or plain. */
    private static boolean plainKeys(Object[] entry) {
        for (int i = 0; i < entry.length - 1; i++) {
            if (entry[i] != null && !isPlain(entry[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPlain(Object value) {
        return value != null
            && !(value instanceof Missing)
            && !(value instanceof Document)
            && !(value instanceof Map)
            && !(value instanceof Collection)
            && !(value instanceof Pattern)
            && !BsonRegularExpression.isRegularExpression(value);
    }

    /** As the server normalises stored key values: numbers compare as doubles, -0.0 as 0.0. */
    static Object normalize(Object value) {
        if (value instanceof Long l && l.longValue() != (long) l.doubleValue()) {
            return value;
        }
        if (value instanceof Number number) {
            double d = number.doubleValue();
            return d == -0.0 ? 0.0 : d;
        }
        return value;
    }

    private static int compareEntries(Object[] a, Object[] b) {
        return compareFrom(a, b, 0);
    }

    /**
     * Just before (`end` false) or after every value of one BSON type, for the open side of a
     * range; `sample` is any value of that type, which orders the edge against other types.
     * Only strings and instants get one (the types the services bound); any other bound keeps
     * MIN or MAX, reading more than MongoDB would but never less.
     */
    private record TypeEdge(Object sample, boolean end) {
        static Object below(Object bound) {
            return bracketed(bound) ? new TypeEdge(bound, false) : MIN;
        }

        static Object above(Object bound) {
            return bracketed(bound) ? new TypeEdge(bound, true) : MAX;
        }

        private static boolean bracketed(Object bound) {
            return bound instanceof String || bound instanceof Instant;
        }

        private boolean sameType(Object value) {
            return value instanceof TypeEdge other ? sameType(other.sample) : value != null && value.getClass() == sample.getClass();
        }

        int compareTo(Object value) {
            if (value instanceof TypeEdge other && sameType(other)) {
                return Boolean.compare(end, other.end);
            }
            if (sameType(value)) {
                return end ? 1 : -1;
            }
            return VALUES.compare(sample, value instanceof TypeEdge other ? other.sample : value);
        }
    }

    private static int compareValues(Object a, Object b) {
        if (a == b) {
            return 0;
        }
        if (a == MIN || b == MAX) {
            return -1;
        }
        if (a == MAX || b == MIN) {
            return 1;
        }
        if (a instanceof TypeEdge edge) {
            return edge.compareTo(b);
        }
        if (b instanceof TypeEdge edge) {
            return -edge.compareTo(a);
        }
        // Every write puts and removes entries in the tree, a score of comparisons each, nearly
        // all of two strings, two instants or two booleans: the library's comparator asks a
        // dozen type questions before it gets to the same answer (a quarter of the stand-in's
        // time under the pipeline bench).
        if (a instanceof String x && b instanceof String y) {
            return x.compareTo(y);
        }
        if (a instanceof Instant x && b instanceof Instant y) {
            return x.compareTo(y);
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return Boolean.compare(x, y);
        }
        return VALUES.compare(a, b);
    }

    @Override
    public synchronized long getCount() {
        return entries.size() + unkeyed.size();
    }

    @Override
    public long getDataSize() {
        return 0;
    }

    @Override
    public synchronized void drop() {
        peers.remove(this);
        entries.clear();
        entriesById.clear();
        unkeyed.clear();
        notPlain = 0;
    }
}
