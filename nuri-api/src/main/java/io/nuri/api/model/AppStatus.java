package io.nuri.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.nuri.api.spec.App;
import java.time.Instant;

/**
 * The API's view of one app: what {@code nuri get apps -o json} prints per item.
 *
 * @param replicas desired count from the spec
 * @param readyReplicas instances in state Ready
 * @param liveReplicas instances with a process running or starting
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppStatus(String name, String namespace, int replicas, int readyReplicas, int liveReplicas,
        int revision, long generation, long version, boolean deleting, Instant createdAt, App spec) {}
