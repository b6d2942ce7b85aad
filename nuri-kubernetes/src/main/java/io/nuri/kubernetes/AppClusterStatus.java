package io.nuri.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * An app as the cluster runs it: the Deployment's counts and one entry per pod.
 *
 * @param stalled the Deployment's Progressing=False reason and message (e.g. ProgressDeadlineExceeded), or null
 */
public record AppClusterStatus(String namespace, String app, boolean exists, int desired, int ready, int updated,
        int available, String stalled, List<PodInstance> pods) {
    /**
     * A pod as an instance: {@code state} is a Nuri instance state name (Pending, Starting, Ready,
     * Unready, Succeeded, Failed) so the CLI and console show pods like processes.
     */
    public record PodInstance(String name, String state, String phase, boolean ready, int restarts, String specHash,
            String node, String startedAt, String reason) {
        static PodInstance of(Pod p) {
            var status = p.getStatus();
            String phase = status == null || status.getPhase() == null ? "Pending" : status.getPhase();
            boolean ready = status != null && status.getConditions() != null && status.getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
            int restarts = 0;
            String reason = null;
            if (status != null && status.getContainerStatuses() != null) {
                for (ContainerStatus cs : status.getContainerStatuses()) {
                    restarts += cs.getRestartCount() == null ? 0 : cs.getRestartCount();
                    if (cs.getState() != null && cs.getState().getWaiting() != null) {
                        reason = cs.getState().getWaiting().getReason();
                    }
                }
            }
            String state = switch (phase) {
                case "Running" -> ready ? "Ready" : "Unready";
                case "Succeeded" -> "Succeeded";
                case "Failed" -> "Failed";
                default -> "Pending";
            };
            if ("Pending".equals(state) && status != null && status.getContainerStatuses() != null
                    && !status.getContainerStatuses().isEmpty()) {
                state = "Starting";
            }
            Map<String, String> annotations = p.getMetadata().getAnnotations();
            return new PodInstance(p.getMetadata().getName(), state, phase, ready, restarts,
                    annotations == null ? null : annotations.get(AppManifests.SPEC_HASH),
                    p.getSpec() == null ? null : p.getSpec().getNodeName(),
                    status == null ? null : status.getStartTime(), reason);
        }
    }
}
