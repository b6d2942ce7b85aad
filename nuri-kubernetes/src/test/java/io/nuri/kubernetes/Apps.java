package io.nuri.kubernetes;

import io.nuri.api.codec.SpecDecoder;
import io.nuri.api.spec.App;
import java.nio.file.Path;

/** Test apps decoded from YAML exactly as the platform decodes a file. */
final class Apps {
    private Apps() {}

    static final String PORTAL = """
            apiVersion: nuri.io/v1
            kind: App
            metadata:
              name: portal
              namespace: egov
              labels: {tier: web}
            spec:
              run:
                jar: sample-app/target/sample-app.jar
                javaOpts: ["-XX:TieredStopAtLevel=1"]
                args: ["--greeting", "hi"]
              env:
                APP_VERSION: v1
                DB_PASSWORD: s3cret
              port: 8080
              replicas: 3
              resources: {cpu: 500m, memory: 256Mi}
              probes:
                readiness: {http: {path: /health}, periodSeconds: 1}
                liveness: {http: {path: /health}, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3}
              volumes:
                - name: uploads
              routes:
                - path: /
                - path: /api
                  host: api.egov.test
                  stripPrefix: true
                  timeoutSeconds: 5
              traffic:
                affinity: {cookie: JSESSIONID}
              rollout:
                maxSurge: 1
                maxUnavailable: "0"
                minReadySeconds: 2
                progressDeadlineSeconds: 60
                revisionHistoryLimit: 5
            """;

    static App decode(String yaml) {
        try {
            return SpecDecoder.decode("test.yaml", yaml, Path.of("/work/examples")).get(0);
        } catch (io.nuri.api.codec.SpecException e) {
            throw new AssertionError(e.errors().toString(), e);
        }
    }

    static App portal() {
        return decode(PORTAL);
    }

    static App portalWith(String from, String to) {
        return decode(PORTAL.replace(from, to));
    }
}
