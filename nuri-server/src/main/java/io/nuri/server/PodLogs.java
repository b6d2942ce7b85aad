package io.nuri.server;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.TailPrettyLoggable;
import io.fabric8.kubernetes.client.dsl.TimeTailPrettyLoggable;
import io.nuri.api.model.Instance;
import io.nuri.runtime.process.LogSearch;
import io.nuri.store.Store;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The Kubernetes driver's instance logs: each pod's log through the API server (the kubelet
 * reads the container's log file). An instance is a pod of the app; its container carries the
 * app's name (AppManifests), so pods with sidecars read the app's own output.
 *
 * <p>Search (docs/apm.md, "Log search") asks the kubelet for each pod's newest
 * {@link #SEARCH_TAIL_LINES} lines with timestamps ({@code since} passed on as {@code sinceTime}),
 * and the previous container's as many when the pod restarted; the kubelet's RFC 3339 stamp is a
 * line's time and is cut from the text. {@link LogSearch} then merges, filters and bounds them
 * like the process driver's files.
 */
final class PodLogs implements LogSource {
    /** Newest lines read per container log for a search: a tail longer than this answers truncated. */
    static final int SEARCH_TAIL_LINES = 10_000;
    private static final int CHUNK = 64 * 1024;

    private final Store store;
    private final KubernetesClient client;
    private final UnaryOperator<String> clusterNamespace;

    /** @param clusterNamespace the cluster namespace that holds a Nuri namespace's pods */
    PodLogs(Store store, KubernetesClient client, UnaryOperator<String> clusterNamespace) {
        this.store = store;
        this.client = client;
        this.clusterNamespace = clusterNamespace;
    }

    private ContainerResource container(Instance i) {
        return client.pods().inNamespace(clusterNamespace.apply(i.namespace())).withName(i.id()).inContainer(i.app());
    }

    private Instance instance(String id) throws IOException {
        return store.instance(id).orElseThrow(() -> new IOException("no instance " + id));
    }

    @Override
    public List<String> tail(String instanceId, int lines) throws IOException {
        String log = container(instance(instanceId)).tailingLines(lines).getLog();
        return log == null ? List.of() : log.lines().toList();
    }

    /** New lines from now on ({@code kubectl logs -f --tail=0}), read on a virtual thread until closed. */
    @Override
    public AutoCloseable follow(String instanceId, Consumer<String> onLine) throws IOException {
        LogWatch watch = container(instance(instanceId)).tailingLines(0).watchLog();
        Thread reader = Thread.ofVirtual().name("pod-log-" + instanceId).start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    onLine.accept(line);
                }
            } catch (IOException | UncheckedIOException e) {
                // closed, or the pod went away: the follow ends
            }
        });
        return () -> {
            watch.close();
            reader.interrupt();
        };
    }

    /** The app's pods as the store knows them (synced every 2 s): a deleted pod's log went with it. */
    @Override
    public List<LogSearch.Log> searchSources(String namespace, String app) {
        return store.instances(namespace, app).stream()
                .<LogSearch.Log>map(i -> new PodLog(i.id(), i.revision(), i.restarts() > 0, container(i)))
                .toList();
    }

    @Override
    public String accessLogMissing() {
        return "source=access: the access log lives with the gateway, and with --driver kubernetes there is none"
                + " (the cluster's ingress routes the app's requests): search the ingress controller's logs";
    }

    /** One pod's log for search: the previous container's (after a restart) and the running one's. */
    private record PodLog(String instance, int revision, boolean restarted, ContainerResource container)
            implements LogSearch.Remote {
        @Override
        public LogSearch.Fetched fetch(LogSearch.Query q, long maxBytes) throws IOException {
            // the running container first: when the budget is short, the newest lines are the ones kept
            LogSearch.Fetched current = read(false, q, maxBytes);
            if (!restarted || current.bytes() >= maxBytes || q.pastDeadline()) {
                return current;
            }
            LogSearch.Fetched previous = read(true, q, maxBytes - current.bytes());
            List<LogSearch.Line> lines = new ArrayList<>(previous.lines());
            lines.addAll(current.lines());
            return new LogSearch.Fetched(lines, previous.bytes() + current.bytes(), previous.cut() || current.cut());
        }

        private LogSearch.Fetched read(boolean previous, LogSearch.Query q, long maxBytes) throws IOException {
            TimeTailPrettyLoggable stamped = previous ? container.usingTimestamps().terminated() : container.usingTimestamps();
            TailPrettyLoggable ranged = q.sinceMillis() == Long.MIN_VALUE ? stamped
                    : stamped.sinceTime(Instant.ofEpochMilli(q.sinceMillis()).truncatedTo(ChronoUnit.SECONDS).toString());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean cut = false;
            try (InputStream in = ranged.tailingLines(SEARCH_TAIL_LINES).getLogInputStream()) {
                byte[] buf = new byte[CHUNK];
                while (true) {
                    if (bytes.size() >= maxBytes || q.pastDeadline()) {
                        cut = in.read() != -1;
                        break;
                    }
                    int n = in.read(buf, 0, (int) Math.min(buf.length, maxBytes - bytes.size()));
                    if (n < 0) {
                        break;
                    }
                    bytes.write(buf, 0, n);
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404 || e.getCode() == 400) {
                    // the pod is gone (404), its container waits to start, or none ran before it (400): no log
                    return new LogSearch.Fetched(List.of(), 0, false);
                }
                throw new IOException("log of pod " + instance + (previous ? " (previous container)" : "") + ": "
                        + e.getCode() + " " + e.getMessage(), e);
            }
            String text = bytes.toString(StandardCharsets.UTF_8);
            if (cut && !text.endsWith("\n")) {
                text = text.substring(0, text.lastIndexOf('\n') + 1); // the line the bound cut in two
            }
            List<LogSearch.Line> lines = new ArrayList<>();
            long time = Long.MIN_VALUE;
            for (String line : (Iterable<String>) text.lines()::iterator) {
                int space = line.indexOf(' ');
                try {
                    time = Instant.parse(space < 0 ? line : line.substring(0, space)).toEpochMilli();
                    line = space < 0 ? "" : line.substring(space + 1);
                } catch (DateTimeParseException e) {
                    // no stamp (not from a kubelet): the previous line's time
                }
                lines.add(new LogSearch.Line(time, line));
            }
            return new LogSearch.Fetched(lines, bytes.size(), cut || lines.size() >= SEARCH_TAIL_LINES);
        }
    }
}
