package io.esplink.cluster;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.Properties;

import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/**
 * A camel-kafka client factory ({@code kafkaClientFactory} endpoint option) whose consumers call a {@link PollHook}
 * before each poll and on every rebalance, on the consumer's own thread.
 * <p>
 * Why: camel-kafka commits either every record the route has processed (its sync and async commit managers) or,
 * with manual commits, from inside the route on the consumer's thread. The command router finishes commands later
 * and out of order (a command for a node that is away waits while the next one is delivered), and may commit a
 * partition only up to its first unfinished command: that commit has to be made on the polling thread at some later
 * poll, which this hook allows. The producer side is camel-kafka's own.
 */
public class HookedKafkaClientFactory extends DefaultKafkaClientFactory {

    private PollHook hook;

    public HookedKafkaClientFactory() {
    }

    public HookedKafkaClientFactory(PollHook hook) {
        this.hook = hook;
    }

    public PollHook getHook() {
        return hook;
    }

    /** The bean called on the consumer's thread (set before the consumer starts). */
    public void setHook(PollHook hook) {
        this.hook = hook;
    }

    @Override
    @SuppressWarnings({ "rawtypes", "unchecked" })
    public Consumer getConsumer(Properties kafkaProps) {
        if (hook == null) {
            throw new IllegalStateException("HookedKafkaClientFactory: no hook set");
        }
        Consumer<?, ?> delegate = super.getConsumer(kafkaProps);
        return (Consumer) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[] { Consumer.class },
                new Hooked(delegate));
    }

    private final class Hooked implements InvocationHandler {
        private final Consumer<?, ?> delegate;

        Hooked(Consumer<?, ?> delegate) {
            this.delegate = delegate;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if ("poll".equals(name)) {
                hook.beforePoll(delegate);
            } else if ("subscribe".equals(name) && args != null && args.length == 2
                       && args[1] instanceof ConsumerRebalanceListener listener) {
                args = new Object[] { args[0], new Listener(listener) };
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private final class Listener implements ConsumerRebalanceListener {
            private final ConsumerRebalanceListener camel;

            Listener(ConsumerRebalanceListener camel) {
                this.camel = camel;
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                hook.revoked(delegate, partitions);
                camel.onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                camel.onPartitionsAssigned(partitions);
                hook.assigned(delegate, partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                hook.lost(delegate, partitions);
                camel.onPartitionsLost(partitions);
            }
        }
    }
}
