package io.nuri.alerts;

import io.nuri.api.model.Event;
import io.nuri.store.AlertRecord;
import io.nuri.store.Store;
import io.nuri.store.StoredAlertRule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alert loop: every second (and at once when an instance or app changes) it observes the
 * platform, runs the {@link Evaluator}, stores what changed together with one event per fire and
 * resolve in one transaction, then hands the notices to the {@link WebhookNotifier} (which only
 * queues). Level-triggered: each pass starts from the stored rules and what is observed now, so a
 * missed pass loses nothing.
 *
 * <p>At start the pending and firing alerts are read back from the store: a platform restart
 * neither forgets a firing alert nor announces it twice.
 */
public final class AlertEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertEngine.class);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final Store store;
    private final Observer observer;
    private final WebhookNotifier notifier;
    private final Clock clock;
    private final Duration interval;
    private final ScheduledExecutorService loop;
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    private final Map<String, AlertRule> decoded = new HashMap<>(); // by stored document text
    private Map<String, AlertRecord> active = new LinkedHashMap<>(); // by subject; loop thread only
    private volatile List<AlertRule> effectiveRules = List.of();
    private AutoCloseable watch;

    public AlertEngine(Store store, Observer observer, WebhookNotifier notifier, Clock clock, Duration interval) {
        this.store = store;
        this.observer = observer;
        this.notifier = notifier;
        this.clock = clock;
        this.interval = interval;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nuri-alerts");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        load();
        watch = store.watch(change -> {
            if (change.kind() != Store.Change.Kind.EVENT && wakeQueued.compareAndSet(false, true)) {
                loop.execute(this::pass);
            }
        });
        loop.scheduleWithFixedDelay(this::pass, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads the pending and firing alerts back from the store (what a restarted platform knew). */
    void load() {
        for (AlertRecord a : store.alerts(Set.of(AlertStates.PENDING, AlertStates.FIRING), null, null, Integer.MAX_VALUE)) {
            active.put(a.subject(), a);
            if (AlertStates.FIRING.equals(a.state()) && Metric.INSTANCE_DOWN.specName().equals(a.metric())
                    && a.instance() != null) {
                observer.rememberDown(a.instance());
            }
        }
        log.info("alerts: {} pending or firing alert(s) read back; evaluating every {} ms", active.size(),
                interval.toMillis());
    }

    /** The rules in force at the last pass (stored ones and the defaults of namespaces without rules). */
    public List<AlertRule> effectiveRules() {
        return effectiveRules;
    }

    private void pass() {
        wakeQueued.set(false);
        try {
            evaluateOnce(clock.instant());
        } catch (RuntimeException e) {
            // The next pass starts again from the store and what it observes.
            log.warn("alert evaluation failed: {}", e.toString(), e);
        }
    }

    /** One pass at {@code now}; package-private for tests that drive the loop by hand. */
    void evaluateOnce(Instant now) {
        List<AlertRule> stored = storedRules();
        Observation observed = observer.observe(now);
        Set<String> namespaces = new TreeSet<>();
        observed.apps().forEach(a -> namespaces.add(a.namespace()));
        List<AlertRule> rules = DefaultRules.effective(stored, namespaces);
        effectiveRules = rules;
        Evaluator.Result r = Evaluator.evaluate(rules, observed, now, active);
        if (!r.upserts().isEmpty() || !r.deletedIds().isEmpty()) {
            store.write(tx -> {
                r.upserts().forEach(tx::putAlert);
                r.deletedIds().forEach(tx::deleteAlert);
                for (Evaluator.Transition t : r.transitions()) {
                    tx.appendEvent(event(t));
                }
                return null;
            });
        }
        active = new LinkedHashMap<>(r.active());
        Map<String, AlertRule> byKey = new HashMap<>();
        rules.forEach(rule -> byKey.put(rule.key(), rule));
        for (Evaluator.Transition t : r.transitions()) {
            AlertRecord a = t.alert();
            log.info("alert {} {} {}: {}", a.id(), a.state(), a.subject(), a.summary());
            AlertRule rule = byKey.get(a.namespace() + "/" + a.rule());
            if (rule != null) {
                rule.webhooks().forEach(w -> notifier.send(w, a, a.state()));
            }
        }
    }

    private List<AlertRule> storedRules() {
        List<StoredAlertRule> rows = store.alertRules();
        Map<String, AlertRule> next = new HashMap<>();
        List<AlertRule> out = new java.util.ArrayList<>();
        for (StoredAlertRule row : rows) {
            AlertRule rule = decoded.get(row.documentJson());
            if (rule == null) {
                rule = AlertRuleDocuments.fromJson(row.namespace() + "/" + row.name(), row.documentJson());
            }
            next.put(row.documentJson(), rule);
            out.add(rule);
        }
        decoded.clear();
        decoded.putAll(next);
        return out;
    }

    static Event event(Evaluator.Transition t) {
        AlertRecord a = t.alert();
        String head = "[" + a.severity() + "] " + a.rule() + ": ";
        if (t.kind() == Evaluator.Transition.Kind.FIRED) {
            String type = "info".equals(a.severity()) ? Event.NORMAL : Event.WARNING;
            return new Event(0, a.since(), a.namespace(), a.app(), a.instance(), type, "AlertFiring",
                    head + a.summary() + " (alert " + a.id() + ")");
        }
        long seconds = Duration.between(a.since(), a.resolvedAt()).toSeconds();
        return new Event(0, a.resolvedAt(), a.namespace(), a.app(), a.instance(), Event.NORMAL, "AlertResolved",
                head + "resolved after " + seconds + " s: " + a.summary() + " (alert " + a.id() + ")");
    }

    @Override
    public void close() {
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception e) {
                log.debug("closing the store watch: {}", e.toString());
            }
        }
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
