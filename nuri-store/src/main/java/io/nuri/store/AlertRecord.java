package io.nuri.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One alert: a rule's condition held for one subject (an app, or an instance of it) from
 * {@code since}. The record is kept while pending and firing, and as history once resolved.
 *
 * @param subject what the alert is about, unique among the alerts not yet resolved
 *     ({@code namespace/rule/app[/instance]})
 * @param state {@code pending}, {@code firing} or {@code resolved}
 * @param activeAt when the condition started to hold (pending since)
 * @param since when it fired (for pending: = activeAt)
 * @param value the observed value when it last changed state
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AlertRecord(String id, String subject, String rule, String severity, String namespace, String app,
        String instance, String metric, String condition, String state, Instant activeAt, Instant since,
        Instant resolvedAt, String summary, double value) {}
