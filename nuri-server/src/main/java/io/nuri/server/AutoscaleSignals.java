package io.nuri.server;

import io.nuri.apm.ApmHub;
import io.nuri.apm.ApmSummary;
import io.nuri.control.autoscale.ScaleSignals;
import io.nuri.gateway.Gateway;
import io.nuri.runtime.Driver;
import io.nuri.runtime.ResourceUsage;
import oshi.hardware.GlobalMemory;

/**
 * The autoscaler's view of the in-process gateway (in flight, held), the APM hub (requests and
 * p95 per whole second: the hub already counts every request, so nothing is counted twice on the
 * gateway's path), the process driver (CPU) and the machine (available memory, from OSHI).
 */
final class AutoscaleSignals implements ScaleSignals {
    private final ApmHub apm;
    private final Driver driver;
    private final GlobalMemory memory = new oshi.SystemInfo().getHardware().getMemory();
    private volatile Gateway gateway; // set once the gateway is built (it takes this as a listener)

    AutoscaleSignals(ApmHub apm, Driver driver) {
        this.apm = apm;
        this.driver = driver;
    }

    void gateway(Gateway gateway) {
        this.gateway = gateway;
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
    public long requestsLastSecond(String namespace, String app) {
        return apm.summary(namespace, app, 1).requests();
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
