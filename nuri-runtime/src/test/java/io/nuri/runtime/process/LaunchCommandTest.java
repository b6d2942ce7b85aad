package io.nuri.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LaunchCommandTest {
    @Test
    void heapIsThreeQuartersOfTheMemoryLimitInMegabytesWhenExactEnough() {
        assertThat(LaunchCommand.heapFor(256L << 20)).isEqualTo("192m");
        assertThat(LaunchCommand.heapFor(16L << 20)).isEqualTo("12m");
        assertThat(LaunchCommand.heapFor(1000_000_000L)).isEqualTo("715m");
    }
}
