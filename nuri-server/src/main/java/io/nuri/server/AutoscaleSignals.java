package io.nuri.server;

import io.nuri.apm.ApmHub;
import io.nuri.apm.ApmSummary;
import io.nuri.control.autoscale.ScaleSignals;
import io.nuri.gateway.Gateway;
import io.nuri.gateway.RequestSample;
import io.nuri.runtime.Driver;
import io.nuri.runtime.ResourceUsage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import oshi.hardware.GlobalMemory;

/**
 * The autoscaler's view of the in-process gateway (in flight, held, completed requests), the
 * APM hub (p95) and the process driver (CPU) and the machine (available memory, from OSHI).
 * Registered as a gateway request listener to count completed requests per app.
 */
final class AutoscaleSignals implements ScaleSignals, Consumer<RequestSample> {
    private final ApmHub apm;
    private final Driver driver;
    private final GlobalMemory memory = new oshi.SystemInfo().getHardware().getMemory();
    private final Map<String, LongAdder> completed = new ConcurrentHashMap<>();
    private volatile Gateway gateway; // set once the gateway is built (it takes this as a listener)

    AutoscaleSignals(ApmHub apm, Driver driver) {
        this.apm = apm;
        this.driver = driver;
    }

    void gateway(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public void accept(RequestSample s) {
        if (s.app() != null) {
            completed.computeIfAbsent(s.namespace() + '/' + s.app(), k -> new LongAdder()).increment();
        }
    }

    @Override
    public int inflight(String instanceId) {
        Gateway g = gateway;
        return g == null ? 0 : g.inflight(instanceId);
    }

    @Override
    public int held(String namespace, String app) {
        Gateway g = gateway;
        return g == null ? 0 : g.held(namespace, app);
    }

    @Override
    public long completed(String namespace, String app) {
        LongAdder c = completed.get(namespace + '/' + app);
        return c == null ? 0 : c.sum();
    }

    @Override
    public double p95Millis(String namespace, String app, int seconds) {
        ApmSummary s = apm.summary(namespace, app, seconds);
        return s.requests() == 0 ? Double.NaN : s.p95Ms();
    }

    @Override
    public double cpuPercent(String instanceId) {
        return driver.usage(instanceId).map(ResourceUsage::cpuPercent).orElse(Double.NaN);
    }

    @Override
    public long availableMemoryBytes() {
        return memory.getAvailable();
    }
}
