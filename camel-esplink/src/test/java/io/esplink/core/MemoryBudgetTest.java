package io.esplink.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 20: limits that depend on the machine come from the heap and the file-descriptor limit; memory pressure. */
class MemoryBudgetTest {

    private static final long MIB = 1L << 20;

    @Test
    void aBoardSizedHeapGetsBoardSizedShares() {
        MemoryBudget b = MemoryBudget.of(128 * MIB, 0, 65_536);
        assertThat(b.inflightBytes()).isEqualTo(8 * MIB);
        assertThat(b.batchBytes()).isEqualTo(2 * MIB);
        assertThat(b.h2CacheKb()).isEqualTo(8 * 1024);
        assertThat(b.maxConnections()).isEqualTo(1365);
        assertThat(b.maxSessions()).isEqualTo(4096);
        assertThat(b.settlingEvents()).isEqualTo(4096);
        assertThat(b.fleetRows()).isEqualTo(4096);
        assertThat(b.maxConnectionsReason()).contains("heap");
    }

    @Test
    void aLargeHeapIsCappedAndTheDescriptorLimitBoundsConnections() {
        MemoryBudget b = MemoryBudget.of(4096 * MIB, 0, 1024);
        assertThat(b.inflightBytes()).isEqualTo(64 * MIB);
        assertThat(b.batchBytes()).isEqualTo(16 * MIB);
        assertThat(b.settlingEvents()).isEqualTo(100_000);
        assertThat(b.maxConnections()).isEqualTo((1024 - 256) * 9 / 10);
        assertThat(b.maxConnectionsReason()).contains("file-descriptor limit 1024");
    }

    @Test
    void limitsLeftAtZeroComeFromTheBudgetAndSetOnesWin() {
        ServerConfig c = new ServerConfig().budget(MemoryBudget.of(128 * MIB, 0, 65_536));
        assertThat(c.maxConnections()).isEqualTo(1365);
        assertThat(c.maxSessions()).isEqualTo(4096);
        assertThat(c.maxInflightBytes()).isEqualTo(8 * MIB);
        assertThat(c.reservedConnections()).isEqualTo(136);
        c.maxConnections(50).maxSessions(70).maxInflightBytes(4096);
        assertThat(c.maxConnections()).isEqualTo(50);
        assertThat(c.maxSessions()).isEqualTo(70);
        assertThat(c.maxInflightBytes()).isEqualTo(4096);
    }

    @Test
    void pressureStartsAboveTheHighMarkAfterACollectionAndEndsBelowTheLowMark() {
        AtomicLong direct = new AtomicLong();
        MemoryPressure p = new MemoryPressure(100 * MIB, 100 * MIB, direct::get);
        List<String> told = new ArrayList<>();
        p.addListener((on, why) -> told.add(on + ":" + why));
        p.afterCollection(80 * MIB);
        assertThat(p.isOn()).isFalse();
        p.afterCollection(90 * MIB);
        assertThat(p.isOn()).isTrue();
        assertThat(p.reason()).contains("90 MiB of 100 MiB");
        p.afterCollection(75 * MIB); // between the marks: still short
        assertThat(p.isOn()).isTrue();
        p.probe(60 * MIB); // in use now, garbage included, below the low mark: over
        assertThat(p.isOn()).isFalse();
        assertThat(told).hasSize(2);
        assertThat(told.get(0)).startsWith("true:the heap in use");
        assertThat(told.get(1)).isEqualTo("false:null");
        assertThat(p.episodes()).isEqualTo(1);
    }

    @Test
    void pooledDirectMemoryOverItsMarkIsPressureToo() {
        AtomicLong direct = new AtomicLong(80 * MIB);
        MemoryPressure p = new MemoryPressure(100 * MIB, 100 * MIB, direct::get);
        p.checkDirect();
        assertThat(p.isOn()).isTrue();
        assertThat(p.reason()).contains("direct memory");
        direct.set(50 * MIB);
        p.checkDirect();
        assertThat(p.isOn()).isFalse();
    }

    @Test
    void theJvmWatcherHearsEveryCollectionOfThisJvm() {
        MemoryPressure p = MemoryPressure.jvm();
        long before = p.collections;
        System.gc();
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> p.collections > before);
        assertThat(MemoryBudget.machine().maxFileDescriptors()).as("the fd limit, read from the platform MBean")
                .isPositive();
    }
}
