package io.esplink.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.esplink.core.EspLinkClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;

/**
 * N simulated nodes against one gateway, each a {@link EspLinkClient} speaking the micropython-iot protocol: they
 * send JSON sensor readings at a fixed rate, react to what they receive, and can lose their link on purpose.
 * <p>
 * No thread per node or per message: one scheduler times the readings, one event loop group carries every link,
 * and completions come back as futures. A node never has more than {@code maxInFlight} readings unacknowledged, as
 * the upstream client's queue is bounded too; readings due while it is full are skipped and counted.
 */
public final class Simulation implements AutoCloseable {

    /** What a node does with a line it receives. */
    public enum OnReceive {
        /** Send it back to the gateway, as it came. */
        ECHO,
        /** Print it. */
        LOG,
        /** Only count it. */
        IGNORE
    }

    /** Everything a simulation needs; validated by {@link #validate()}. */
    public static final class Settings {
        public String host = "127.0.0.1";
        public int port = 8123;
        public List<String> ids = List.of("sim-1", "sim-2", "sim-3");
        /** Secrets of nodes that have credentials, by client ID: such a node sends {@code id:secret} as its ID line. */
        public java.util.Map<String, String> secrets = java.util.Map.of();
        public long timeoutMs = 2000;
        /** Readings per second per node; 0 sends none. */
        public double rate = 1;
        /** Readings per node before the node stops sending; 0 for no limit. */
        public long count;
        /** How long to send; null for no limit. */
        public Duration duration;
        public boolean qos = true;
        public int maxInFlight = 20;
        public OnReceive onReceive = OnReceive.LOG;
        /** How often a link is dropped on purpose; null or zero for never. */
        public Duration outageEvery;
        /** How many nodes lose their link at each outage. */
        public int outageNodes = 1;
        public long seed = System.nanoTime();

        public Settings validate() {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1-65535, not " + port);
            }
            if (ids == null || ids.isEmpty()) {
                throw new IllegalArgumentException("at least one node is needed");
            }
            for (String id : ids) {
                if (id.isEmpty() || id.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("a client ID must be non-empty and on one line: '" + id + "'");
                }
            }
            if (ids.stream().distinct().count() != ids.size()) {
                throw new IllegalArgumentException("client IDs must be distinct: " + ids);
            }
            if (timeoutMs < 100) {
                throw new IllegalArgumentException("timeout must be at least 100 ms, not " + timeoutMs);
            }
            if (!(rate >= 0) || rate > 1000) {
                throw new IllegalArgumentException("rate must be from 0 to 1000 readings per second, not " + rate);
            }
            if (count < 0) {
                throw new IllegalArgumentException("count must not be negative");
            }
            if (duration != null && duration.isNegative()) {
                throw new IllegalArgumentException("duration must not be negative");
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("max-in-flight must be at least 1");
            }
            if (outageEvery != null && outageEvery.isNegative()) {
                throw new IllegalArgumentException("outage-every must not be negative");
            }
            if (outageNodes < 1 || outageNodes > ids.size()) {
                throw new IllegalArgumentException("outage-nodes must be from 1 to the number of nodes ("
                                                   + ids.size() + "), not " + outageNodes);
            }
            return this;
        }

        /** Whether the simulation ends by itself: a count of readings to send, or a duration. */
        public boolean bounded() {
            return count > 0 && rate > 0 || duration != null && !duration.isZero();
        }
    }

    /** A snapshot of the totals over every node. */
    public record Totals(int nodes, int connected, long sent, long acked, long failed, long skipped, long received,
                         long retransmissions, long outages, long inFlight) {

        /** One line for humans. */
        public String line() {
            return String.format(Locale.ROOT,
                    "connected %d/%d  sent %d  acked %d  received %d  retransmissions %d  outages %d  skipped %d%s",
                    connected, nodes, sent, acked, received, retransmissions, outages, skipped,
                    failed > 0 ? "  failed " + failed : "");
        }
    }

    private final Settings settings;
    private final Consumer<String> out;
    private final EventLoopGroup group = new NioEventLoopGroup(Math.min(4, Runtime.getRuntime().availableProcessors()));
    private final DefaultEventExecutorGroup notifiers = new DefaultEventExecutorGroup(2);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "node-sim");
        t.setDaemon(true);
        return t;
    });
    private final List<SimNode> nodes = new ArrayList<>();
    private final CompletableFuture<Void> sendingDone = new CompletableFuture<>();
    private final AtomicInteger nodesDoneSending = new AtomicInteger();
    private final Random random;
    private volatile boolean started;

    /** @param out where received lines are printed (mode LOG) */
    public Simulation(Settings settings, Consumer<String> out) {
        this.settings = settings.validate();
        this.out = Objects.requireNonNull(out);
        this.random = new Random(settings.seed);
    }

    public Settings settings() {
        return settings;
    }

    /** Connects every node and starts sending. */
    public synchronized Simulation start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        for (String id : settings.ids) {
            SimNode n = new SimNode(id, new Random(random.nextLong()));
            nodes.add(n);
            n.start();
        }
        if (settings.duration != null && !settings.duration.isZero()) {
            scheduler.schedule(this::stopSending, settings.duration.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (settings.outageEvery != null && !settings.outageEvery.isZero()) {
            long every = settings.outageEvery.toMillis();
            scheduler.scheduleAtFixedRate(this::outage, every, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Completes when every node has stopped sending (its count reached, or the duration over). */
    public CompletableFuture<Void> sendingDone() {
        return sendingDone;
    }

    /** True once sending is over and every reading sent has been acknowledged or has failed. */
    public boolean drained() {
        return sendingDone.isDone() && totals().inFlight() == 0;
    }

    /** Stops every node's readings now. */
    public void stopSending() {
        for (SimNode n : nodes) {
            n.stopSending();
        }
        sendingDone.complete(null);
    }

    private void outage() {
        List<SimNode> up = new ArrayList<>();
        for (SimNode n : nodes) {
            if (n.client.isUp()) {
                up.add(n);
            }
        }
        Collections.shuffle(up, random);
        for (int i = 0; i < Math.min(settings.outageNodes, up.size()); i++) {
            up.get(i).client.dropLink();
        }
    }

    public Totals totals() {
        int connected = 0;
        long sent = 0, acked = 0, failed = 0, skipped = 0, received = 0, retrans = 0, outages = 0, inFlight = 0;
        for (SimNode n : nodes) {
            connected += n.client.isUp() ? 1 : 0;
            sent += n.sent.get();
            acked += n.acked.sum();
            failed += n.failed.sum();
            skipped += n.skipped.sum();
            received += n.client.received();
            retrans += n.client.retransmissions();
            outages += n.client.outages();
            inFlight += n.inFlight.get();
        }
        return new Totals(settings.ids.size(), connected, sent, acked, failed, skipped, received, retrans, outages,
                inFlight);
    }

    @Override
    public void close() {
        stopSending();
        scheduler.shutdownNow();
        for (SimNode n : nodes) {
            n.client.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        notifiers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One simulated node: a client, its readings and its counters. */
    private final class SimNode {
        final String id;
        final Random rnd;
        final EspLinkClient client;
        final AtomicLong sent = new AtomicLong();
        final LongAdder acked = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder skipped = new LongAdder();
        final AtomicInteger inFlight = new AtomicInteger();
        double temp;
        double humidity;
        volatile ScheduledFuture<?> task;
        volatile boolean sending = true;

        SimNode(String id, Random rnd) {
            this.id = id;
            this.rnd = rnd;
            this.temp = 18 + rnd.nextDouble() * 6;
            this.humidity = 40 + rnd.nextDouble() * 20;
            String secret = settings.secrets.get(id);
            this.client = EspLinkClient.builder(settings.host, settings.port, secret == null ? id : id + ":" + secret)
                    .timeoutMs(settings.timeoutMs)
                    .group(group).notifier(notifiers.next()).build();
            client.onMessage(this::onReceive);
        }

        void start() {
            client.start();
            if (settings.rate > 0) {
                long periodUs = Math.max(1, Math.round(1_000_000 / settings.rate));
                // spread the nodes over one period so that they do not all send at once
                long firstUs = (long) (rnd.nextDouble() * periodUs);
                task = scheduler.scheduleAtFixedRate(this::tick, firstUs, periodUs, TimeUnit.MICROSECONDS);
            }
        }

        void tick() {
            if (!sending) {
                return;
            }
            if (settings.count > 0 && sent.get() >= settings.count) {
                stopSending();
                return;
            }
            if (inFlight.get() >= settings.maxInFlight) {
                skipped.increment();
                return;
            }
            long seq = sent.incrementAndGet();
            inFlight.incrementAndGet();
            client.send(reading(seq), settings.qos, true).whenComplete((ok, err) -> {
                inFlight.decrementAndGet();
                if (err == null) {
                    acked.increment();
                } else {
                    failed.increment();
                }
            });
            if (settings.count > 0 && seq >= settings.count) {
                stopSending();
            }
        }

        String reading(long seq) {
            temp = clamp(temp + rnd.nextGaussian() * 0.1, -20, 50);
            humidity = clamp(humidity + rnd.nextGaussian() * 0.3, 5, 100);
            return String.format(Locale.ROOT, "{\"node\":\"%s\",\"seq\":%d,\"temp\":%.1f,\"humidity\":%.1f,\"ts\":\"%s\"}",
                    jsonEscape(id), seq, temp, humidity, Instant.now().toString());
        }

        void stopSending() {
            if (!sending) {
                return;
            }
            sending = false;
            ScheduledFuture<?> t = task;
            if (t != null) {
                t.cancel(false);
            }
            if (nodesDoneSending.incrementAndGet() == nodes.size()) {
                sendingDone.complete(null);
            }
        }

        void onReceive(String line) {
            switch (settings.onReceive) {
                case ECHO -> client.send(line, settings.qos, true);
                case LOG -> out.accept(id + " <- " + line);
                default -> {
                }
            }
        }
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    static String jsonEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
