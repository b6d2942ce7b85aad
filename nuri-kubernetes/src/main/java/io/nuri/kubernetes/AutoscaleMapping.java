package io.nuri.kubernetes;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicyBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.nuri.api.spec.AppSpec;
import io.nuri.api.spec.Autoscale;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code spec.autoscale} as an autoscaling/v2 HorizontalPodAutoscaler: bounds, CPU utilization
 * (needs {@code resources.cpu}), concurrency and RPS as per-pod custom metrics (served by a metrics
 * adapter, e.g. prometheus-adapter over Nuri's metric names), stabilization windows and step
 * policies. What an HPA cannot express is reported, never dropped silently.
 */
final class AutoscaleMapping {
    /** Per-pod custom metrics the HPA reads; a metrics adapter must serve them. */
    static final String CONCURRENCY_METRIC = "nuri_in_flight_requests";
    static final String RPS_METRIC = "nuri_http_requests_per_second";
    /** HPA's policies count per period; Nuri's steps count per decision (each second). */
    static final int POLICY_PERIOD_SECONDS = 15;

    private AutoscaleMapping() {}

    static HorizontalPodAutoscaler hpa(String ns, String name, AppSpec spec, io.fabric8.kubernetes.api.model.ObjectMeta meta,
            List<String> notMapped) {
        Autoscale a = spec.autoscale();
        List<MetricSpec> metrics = new ArrayList<>();
        if (a.targetCPUPercent() > 0) {
            if (spec.resources() != null && spec.resources().cpuMillis() > 0) {
                metrics.add(new MetricSpecBuilder().withType("Resource").withNewResource().withName("cpu")
                        .withNewTarget().withType("Utilization").withAverageUtilization((int) Math.round(a.targetCPUPercent()))
                        .endTarget().endResource().build());
            } else {
                notMapped.add("spec.autoscale.targetCPUPercent: an HPA's CPU utilization is of the pod's cpu request;"
                        + " set spec.resources.cpu");
            }
        }
        if (a.targetConcurrency() > 0) {
            metrics.add(podsMetric(CONCURRENCY_METRIC, a.targetConcurrency()));
        }
        if (a.targetRPS() > 0) {
            metrics.add(podsMetric(RPS_METRIC, a.targetRPS()));
        }
        if (a.targetConcurrency() > 0 || a.targetRPS() > 0) {
            notMapped.add("spec.autoscale.targetConcurrency/targetRPS: Pods metrics " + CONCURRENCY_METRIC + " / " + RPS_METRIC
                    + " need a custom metrics adapter (e.g. prometheus-adapter) serving them per pod");
        }
        if (a.targetP95Millis() > 0) {
            notMapped.add("spec.autoscale.targetP95Millis: an HPA averages per pod and has no latency target; not mapped");
        }
        if (a.minReplicas() == 0) {
            notMapped.add("spec.autoscale.minReplicas 0: an HPA needs the alpha HPAScaleToZero feature gate; minReplicas 1 is"
                    + " used (scale to zero on a cluster: Knative or KEDA)");
        }
        notMapped.add(String.format(Locale.ROOT, "spec.autoscale: panic mode (%d s window, %.1fx), stableWindowSeconds and"
                + " tolerance are cluster-wide HPA flags (sync period 15 s, tolerance 0.1), not per app", a.panicWindowSeconds(),
                a.panicThreshold()));
        if (!a.schedules().isEmpty()) {
            notMapped.add("spec.autoscale.schedules: an HPA has no calendar (use KEDA's cron scaler)");
        }
        return new HorizontalPodAutoscalerBuilder().withMetadata(meta)
                .withNewSpec()
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(name).endScaleTargetRef()
                .withMinReplicas(Math.max(1, a.minReplicas()))
                .withMaxReplicas(a.maxReplicas())
                .withMetrics(metrics)
                .withNewBehavior()
                .withNewScaleUp().withStabilizationWindowSeconds(a.scaleUpStabilizationSeconds()).withSelectPolicy("Max")
                .withPolicies(policy(a.maxScaleUpStep())).endScaleUp()
                .withNewScaleDown().withStabilizationWindowSeconds(a.scaleDownStabilizationSeconds()).withSelectPolicy("Max")
                .withPolicies(policy(a.maxScaleDownStep())).endScaleDown()
                .endBehavior()
                .endSpec().build();
    }

    private static MetricSpec podsMetric(String metric, double perPod) {
        return new MetricSpecBuilder().withType("Pods").withNewPods().withNewMetric().withName(metric).endMetric()
                .withNewTarget().withType("AverageValue").withAverageValue(quantity(perPod)).endTarget().endPods().build();
    }

    /** "1000%" -> Percent 1000 per period, "4" -> Pods 4 per period. */
    private static HPAScalingPolicy policy(String step) {
        boolean percent = step.endsWith("%");
        int value = Integer.parseInt(percent ? step.substring(0, step.length() - 1) : step);
        return new HPAScalingPolicyBuilder().withType(percent ? "Percent" : "Pods").withValue(Math.max(1, value))
                .withPeriodSeconds(POLICY_PERIOD_SECONDS).build();
    }

    private static Quantity quantity(double v) {
        return v == Math.rint(v) ? new Quantity(Long.toString((long) v)) : new Quantity(Math.round(v * 1000) + "m");
    }
}
