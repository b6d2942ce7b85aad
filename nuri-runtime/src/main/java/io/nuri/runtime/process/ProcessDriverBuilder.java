package io.nuri.runtime.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link ProcessDriver}; obtained from {@link ProcessDriver#builder()}. Every setter
 * checks its input and returns {@code this}; {@link #dataDir} is the one required setting.
 */
public final class ProcessDriverBuilder {
    static final long DEFAULT_LOG_MAX_BYTES = 10L << 20;
    static final int DEFAULT_LOG_FILES = 3;
    static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(1);
    static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

    Path dataDir;
    Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
    long logMaxBytes = DEFAULT_LOG_MAX_BYTES;
    int logFiles = DEFAULT_LOG_FILES;
    Duration sampleInterval = DEFAULT_SAMPLE_INTERVAL;
    Duration defaultStopGrace = DEFAULT_STOP_GRACE;
    Map<String, String> parentEnv = System.getenv();
    boolean cgroups = true;

    ProcessDriverBuilder() {}

    /**
     * The driver's own folder: per-instance working dirs, default log dir. Its real path also
     * names the driver's owner marker, so two platforms on one machine never reap each other's
     * instances, and a restarted platform on the same folder finds its own.
     */
    public ProcessDriverBuilder dataDir(Path dataDir) {
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        return this;
    }

    /** The {@code java} that runs jar apps; default: the JDK running the platform. */
    public ProcessDriverBuilder javaExecutable(Path javaExecutable) {
        this.javaExecutable = Objects.requireNonNull(javaExecutable, "javaExecutable");
        return this;
    }

    /** A live log file larger than this is rotated at the next tick; default 10 MiB. */
    public ProcessDriverBuilder logMaxBytes(long logMaxBytes) {
        if (logMaxBytes <= 0) {
            throw new IllegalArgumentException("logMaxBytes: " + logMaxBytes + " (expected: > 0)");
        }
        this.logMaxBytes = logMaxBytes;
        return this;
    }

    /** How many rotated files ({@code .1 .. .N}) are kept; default 3. */
    public ProcessDriverBuilder logFiles(int kept) {
        if (kept <= 0) {
            throw new IllegalArgumentException("logFiles: " + kept + " (expected: > 0)");
        }
        this.logFiles = kept;
        return this;
    }

    /**
     * How often CPU/memory are read, the memory limit is checked, re-adopted processes are checked
     * for exit and logs are rotated; default 1 s. Two readings over the limit kill an instance.
     */
    public ProcessDriverBuilder sampleInterval(Duration sampleInterval) {
        Objects.requireNonNull(sampleInterval, "sampleInterval");
        if (sampleInterval.isNegative() || sampleInterval.isZero()) {
            throw new IllegalArgumentException("sampleInterval: " + sampleInterval + " (expected: > 0)");
        }
        this.sampleInterval = sampleInterval;
        return this;
    }

    /** Grace for instances whose spec has none and for re-adopted ones on close(); default 10 s. */
    public ProcessDriverBuilder defaultStopGrace(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("defaultStopGrace: " + grace + " (expected: >= 0)");
        }
        this.defaultStopGrace = grace;
        return this;
    }

    /**
     * The environment instances inherit from (before secrets are withheld, see
     * {@link io.nuri.runtime.ChildEnvironment}); default {@link System#getenv()}. For tests.
     */
    public ProcessDriverBuilder parentEnv(Map<String, String> parentEnv) {
        this.parentEnv = Map.copyOf(Objects.requireNonNull(parentEnv, "parentEnv"));
        return this;
    }

    /**
     * Whether instances with a memory or cpu limit run in a cgroup of their own when this machine
     * has a writable hierarchy (see {@link CgroupLimiter}); default true. Off, memory is enforced
     * by heap size and the RSS watchdog only, and cpu is not limited.
     */
    public ProcessDriverBuilder cgroups(boolean enabled) {
        this.cgroups = enabled;
        return this;
    }

    /** Creates the data dir if needed and starts the driver's sampling tick. */
    public ProcessDriver build() {
        if (dataDir == null) {
            throw new IllegalStateException("dataDir is required");
        }
        try {
            Files.createDirectories(dataDir);
            return new ProcessDriver(this, dataDir.toRealPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data dir " + dataDir, e);
        }
    }
}
