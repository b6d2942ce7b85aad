package io.nuri.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One Ready instance as traffic sees it: where to send requests. The endpoint registry is the
 * one list of these per app; the gateway, discovery and the GSLB health view all read it.
 *
 * @param readySince when the instance last became Ready (slow start ramps from here)
 * @param weight relative weight for the {@code weighted} balancer and canaries (default 100)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Endpoint(String instanceId, String namespace, String app, int revision, String host, int port,
        Instant readySince, int weight) {

    public String appKey() {
        return namespace + "/" + app;
    }

    public String authority() {
        return host + ":" + port;
    }
}
