package io.esplink.cluster;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offset each partition may be committed to when records finish out of order: up to (not including) the
 * first record that has not finished. Thread-safe.
 */
final class OffsetTracker {

    /** Per partition, the records seen and not yet committable: offset to finished. */
    private final Map<TopicPartition, TreeMap<Long, Boolean>> open = new HashMap<>();
    /** Per partition, the offset to commit: every record before it has finished. */
    private final Map<TopicPartition, Long> next = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    synchronized void begin(TopicPartition tp, long offset) {
        open.computeIfAbsent(tp, k -> new TreeMap<>()).putIfAbsent(offset, false);
    }

    synchronized void done(TopicPartition tp, long offset) {
        TreeMap<Long, Boolean> m = open.get(tp);
        if (m == null || !m.containsKey(offset)) {
            return; // a partition given away meanwhile
        }
        m.put(offset, true);
        while (!m.isEmpty() && m.firstEntry().getValue()) {
            next.put(tp, m.pollFirstEntry().getKey() + 1);
        }
    }

    /** The commits due for the partitions in {@code owned}. */
    synchronized Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> owned) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : owned) {
            Long n = next.get(tp);
            if (n != null && !n.equals(committed.get(tp))) {
                out.put(tp, new OffsetAndMetadata(n));
            }
        }
        return out;
    }

    synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
    }

    synchronized void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            open.remove(tp);
            next.remove(tp);
            committed.remove(tp);
        }
    }

    /** Records seen and not finished, or finished behind one that is not. */
    synchronized int open() {
        return open.values().stream().mapToInt(Map::size).sum();
    }
}
