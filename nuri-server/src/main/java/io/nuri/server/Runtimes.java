package io.nuri.server;

import io.nuri.runtime.Driver;
import io.nuri.runtime.Prober;
import io.nuri.runtime.probe.DefaultProber;
import io.nuri.runtime.process.ProcessDriver;
import io.nuri.store.SqliteStore;
import io.nuri.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** The one place that picks implementations: the embedded store and the process driver. */
final class Runtimes {
    private Runtimes() {}

    static Store openStore(Path dataDir) {
        return SqliteStore.open(dataDir);
    }

    static Driver processDriver(Path dataDir) {
        return ProcessDriver.builder().dataDir(dataDir).build();
    }

    static Prober prober() {
        return new DefaultProber();
    }

    static LogSource logSource(Driver driver) {
        if (!(driver instanceof ProcessDriver process)) {
            throw new IllegalArgumentException("no log source for driver " + driver.name());
        }
        return new LogSource() {
            @Override
            public List<String> tail(String instanceId, int lines) throws IOException {
                return process.tail(instanceId, lines);
            }

            @Override
            public AutoCloseable follow(String instanceId, Consumer<String> onLine) {
                return process.follow(instanceId, onLine);
            }

            @Override
            public List<io.nuri.runtime.process.LogSearch.Log> searchSources(String namespace, String app)
                    throws IOException {
                return List.copyOf(process.logSources(namespace, app));
            }
        };
    }
}
