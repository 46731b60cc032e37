package io.esplink.cluster;

import java.util.Collection;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What a bean does on a camel-kafka consumer's own polling thread (see {@link HookedKafkaClientFactory}): a Kafka
 * consumer may only be used from that thread, so commits of records finished elsewhere, and checks of how far the
 * consumer has read, happen here.
 */
public interface PollHook {

    /** Before each poll: the records of the previous poll have all gone through the route. */
    default void beforePoll(Consumer<?, ?> consumer) {
    }

    /** Partitions given to this consumer (after camel-kafka's own listener, which may have sought). */
    default void assigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
    }

    /** Partitions taken away in a rebalance; the consumer may still commit for them now. */
    default void revoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
    }

    /** Partitions lost (the consumer was out of the group): too late to commit for them. */
    default void lost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
    }
}
