package io.nuri.store;

import io.nuri.api.model.Event;
import io.nuri.api.model.StoredApp;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Child JVM of {@link SqliteStoreCrashTest}: appends events (and bumps an app label and an alert) in a loop,
 * printing each committed event id on stdout only after {@code write()} returned. Runs until it
 * is killed.
 */
public final class CrashWriterMain {
    public static void main(String[] args) {
        Path dataDir = Path.of(args[0]);
        SqliteStore store = SqliteStore.open(dataDir, 1_000_000);
        store.write(tx -> tx.app("default", "crash").isPresent() ? null
                : tx.putApp(Fixtures.newApp("default", "crash"), 0));
        for (long n = 1; ; n++) {
            long count = n;
            Event e = store.write(tx -> {
                StoredApp app = tx.app("default", "crash").orElseThrow();
                Map<String, String> labels = new HashMap<>(app.app().metadata().labels());
                labels.put("count", Long.toString(count));
                tx.putApp(new StoredApp(Fixtures.withLabels(app.app(), labels), 0, 0, app.revision(), false, null, null),
                        app.version());
                // The firing alert the evaluator would rewrite in the same kind of transaction.
                tx.putAlert(new AlertRecord("crash", "default/r/crash", "r", "critical", "default", "crash", null,
                        "instanceDown", "> 0", "firing", Fixtures.T0, Fixtures.T0, null, "down", count));
                return tx.appendEvent(Fixtures.event("default", "crash", "event " + count));
            });
            System.out.println(e.id());
            System.out.flush();
        }
    }

    private CrashWriterMain() {}
}
