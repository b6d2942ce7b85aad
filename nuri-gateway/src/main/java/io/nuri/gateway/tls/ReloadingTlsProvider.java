package io.nuri.gateway.tls;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;

/**
 * Armeria {@link TlsProvider} that picks a key pair per TLS server name (SNI) and swaps in new ones when their
 * PEM files change, without a restart.
 *
 * <p>Armeria calls {@link #keyPair(String)} on the event loop for each new TLS connection and caches one
 * {@code SslContext} per distinct key pair, so publishing a new map here is all a reload takes: new
 * connections get the new certificate, connections already open keep theirs, and Armeria releases the old
 * {@code SslContext} when its last connection closes.
 *
 * <p>The files are read in full on each check (they are a few KB) and compared byte for byte, so a change is
 * seen whatever the file system's timestamp resolution, and through symlink swaps (certbot's
 * {@code live/} links, Kubernetes secret volumes). A changed pair that does not load (say the certificate
 * was written but the key not yet) leaves the old one in service; it is logged as a warning if it is still
 * broken at the next check.
 */
final class ReloadingTlsProvider implements TlsProvider {

    private static final Logger log = LoggerFactory.getLogger(ReloadingTlsProvider.class);

    /** One certificate/key file pair and the host patterns ({@code a.b}, {@code *.b}, {@code *}) it serves. */
    record Source(List<String> hosts, Path certPem, Path keyPem) {
    }

    private final List<Source> sources;
    private final Source defaultSource;
    private final Duration interval;
    private final Map<Source, PemLoader.Loaded> loaded = new LinkedHashMap<>(); // guarded by this
    private final Map<Source, Integer> failing = new HashMap<>(); // guarded by this: content that failed
    private final Set<Source> warned = new HashSet<>(); // guarded by this
    /** Lookup key (exact host, ".domain" for *.domain, "*") to key pair; replaced as a whole. */
    private final AtomicReference<Map<String, TlsKeyPair>> byHost = new AtomicReference<>(Map.of());
    private ScheduledExecutorService executor; // guarded by this

    /**
     * Loads every source now.
     *
     * @param defaultSource served to clients without SNI or with a name no source matches
     * @throws TlsConfigException for the first source that cannot be loaded
     */
    ReloadingTlsProvider(List<Source> sources, Source defaultSource, Duration interval) {
        this.sources = List.copyOf(sources);
        this.defaultSource = defaultSource;
        this.interval = interval;
        synchronized (this) {
            for (Source s : this.sources) {
                PemLoader.Loaded l = PemLoader.load(s.hosts(), s.certPem(), s.keyPem());
                l.warnings().forEach(log::warn);
                loaded.put(s, l);
            }
            publish();
        }
    }

    @Override
    public TlsKeyPair keyPair(String hostname) {
        Map<String, TlsKeyPair> m = byHost.get();
        TlsKeyPair p = m.get(hostname);
        if (p == null && !"*".equals(hostname)) {
            int dot = hostname.indexOf('.');
            if (dot > 0) {
                p = m.get(hostname.substring(dot));
            }
            if (p == null) {
                p = m.get("*");
            }
        }
        return p;
    }

    /** Checks the files once; returns whether any key pair was replaced. */
    synchronized boolean reloadNow() {
        boolean changed = false;
        for (Source s : sources) {
            PemLoader.Loaded old = loaded.get(s);
            byte[] cert;
            byte[] key;
            try {
                cert = PemLoader.read(s.certPem(), "TLS certificate file");
                key = PemLoader.read(s.keyPem(), "TLS private key file");
            } catch (TlsConfigException e) {
                failed(s, e, e.getMessage().hashCode());
                continue;
            }
            if (old.sameBytes(cert, key)) {
                failing.remove(s);
                warned.remove(s);
                continue;
            }
            try {
                PemLoader.Loaded l = PemLoader.load(s.hosts(), s.certPem(), cert, s.keyPem(), key);
                l.warnings().forEach(log::warn);
                loaded.put(s, l);
                failing.remove(s);
                warned.remove(s);
                changed = true;
                log.info("Reloaded TLS certificate {} for {}: {}, valid until {}, SHA-256 {}", s.certPem(), s.hosts(),
                         PemLoader.subject(l.leaf()), l.leaf().getNotAfter().toInstant(),
                         PemLoader.fingerprint(l.leaf()));
            } catch (TlsConfigException e) {
                failed(s, e, 31 * Arrays.hashCode(cert) + Arrays.hashCode(key));
            }
        }
        if (changed) {
            publish();
        }
        return changed;
    }

    private void failed(Source s, TlsConfigException e, int contentHash) {
        Integer before = failing.put(s, contentHash);
        if (before != null && before == contentHash) {
            if (warned.add(s)) {
                log.warn("Still serving the previous TLS certificate for {}: {}", s.hosts(), e.getMessage());
            }
        } else {
            // Often a rotation caught half way (certificate written, key not yet): look again next time.
            warned.remove(s);
            log.debug("TLS certificate {} changed but does not load (yet): {}", s.certPem(), e.getMessage());
        }
    }

    private void publish() {
        Map<String, TlsKeyPair> m = new LinkedHashMap<>();
        for (Source s : sources) {
            TlsKeyPair p = loaded.get(s).keyPair();
            for (String h : s.hosts()) {
                String key = h.startsWith("*.") ? h.substring(1) : h;
                m.putIfAbsent(key, p);
            }
        }
        m.putIfAbsent("*", loaded.get(defaultSource).keyPair());
        byHost.set(Map.copyOf(m));
    }

    /** The certificate now served per host pattern ({@code *} = default), in configuration order. */
    synchronized Map<String, X509Certificate> certificates() {
        Map<String, X509Certificate> m = new LinkedHashMap<>();
        for (Source s : sources) {
            for (String h : s.hosts()) {
                m.putIfAbsent(h, loaded.get(s).leaf());
            }
        }
        m.putIfAbsent("*", loaded.get(defaultSource).leaf());
        return m;
    }

    /** Starts checking the files every {@code interval} (no-op if the interval is zero or already started). */
    synchronized void start() {
        if (executor != null || interval.isZero()) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nuri-tls-reload");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        executor.scheduleWithFixedDelay(() -> {
            try {
                reloadNow();
            } catch (RuntimeException e) {
                log.warn("TLS certificate reload check failed", e);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Stops checking the files; {@link #start()} may start again (a server can be restarted). */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }
}
