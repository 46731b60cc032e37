package io.esplink.cluster;

import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Tells when a consumer that reads a topic from its beginning into a table has read what the topic held when it
 * started: at a poll, every assigned partition's position has reached the end offset taken at the first poll after
 * assignment. The records before the position have been through the route by then (camel-kafka processes a poll's
 * records before it polls again).
 */
final class CatchUp {

    private final Runnable onReady;
    private volatile boolean ready;
    private Map<TopicPartition, Long> targets;

    CatchUp(Runnable onReady) {
        this.onReady = onReady;
    }

    boolean isReady() {
        return ready;
    }

    /** On the consumer's thread, before it polls. */
    void beforePoll(Consumer<?, ?> consumer) {
        if (ready) {
            return;
        }
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return;
        }
        if (targets == null || !targets.keySet().equals(assigned)) {
            targets = consumer.endOffsets(assigned);
        }
        for (TopicPartition tp : assigned) {
            Long target = targets.get(tp);
            if (target != null && consumer.position(tp) < target) {
                return;
            }
        }
        ready = true;
        onReady.run();
    }
}
