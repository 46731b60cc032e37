package io.esplink.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics a route file needs, where missing, when the bean starts (init method {@code start}): with
 * {@code partitions} partitions, the broker's default replication factor unless {@code replicationFactor} is set, and
 * the topic configs given ({@code cleanup.policy=compact} for the presence table). Existing topics are left as they
 * are; a topic another gateway creates at the same moment is fine. With {@code enabled=false} (a cluster whose topics
 * are made by its operators, or whose admin API needs credentials) it does nothing.
 */
public class KafkaTopics {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    private String brokers = "127.0.0.1:9092";
    private String topics = "";
    private int partitions = 6;
    private short replicationFactor = -1;
    private String configs = "";
    private boolean enabled = true;
    private long timeoutMs = 30000;

    public void start() {
        if (!enabled) {
            return;
        }
        List<String> names = Arrays.stream(topics.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty()) {
            return;
        }
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        try (Admin admin = Admin.create(config)) {
            Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : names) {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, Optional.of(partitions),
                            replicationFactor > 0 ? Optional.of(replicationFactor) : Optional.empty())
                            .configs(configMap()));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(timeoutMs, TimeUnit.MILLISECONDS);
                LOG.info("Created Kafka topic(s) {} ({} partitions{})", missing.stream().map(NewTopic::name).toList(),
                        partitions, configs.isBlank() ? "" : ", " + configs);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating Kafka topics " + names, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("Cannot create the Kafka topics " + names + " on " + brokers + ": " + cause
                                            + " (create them yourself and set esplink.kafka.create-topics=false, or "
                                            + "check esplink.kafka.brokers)", cause);
        }
    }

    private Map<String, String> configMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : configs.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return m;
    }

    public String getBrokers() {
        return brokers;
    }

    public void setBrokers(String brokers) {
        this.brokers = brokers;
    }

    public String getTopics() {
        return topics;
    }

    /** Comma-separated topic names. */
    public void setTopics(String topics) {
        this.topics = topics;
    }

    public int getPartitions() {
        return partitions;
    }

    public void setPartitions(int partitions) {
        this.partitions = partitions;
    }

    public short getReplicationFactor() {
        return replicationFactor;
    }

    /** 0 or less: the broker's default.replication.factor. */
    public void setReplicationFactor(short replicationFactor) {
        this.replicationFactor = replicationFactor;
    }

    public String getConfigs() {
        return configs;
    }

    /** Topic configs as {@code key=value} pairs separated by commas (a value cannot hold a comma). */
    public void setConfigs(String configs) {
        this.configs = configs;
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public long getTimeoutMs() {
        return timeoutMs;
    }

    public void setTimeoutMs(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }
}
