package io.nuri.api.spec;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calendar windows of {@code spec.autoscale.schedules}: a Unix cron expression (parsed and
 * evaluated by cron-utils) opens a window that lasts a number of minutes, in a time zone.
 */
public final class CronWindows {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final Map<String, ExecutionTime> PARSED = new ConcurrentHashMap<>();

    private CronWindows() {}

    /** Why {@code expression} is not a 5-field Unix cron expression; null when it is one. */
    public static String cronProblem(String expression) {
        try {
            executionTime(expression);
            return null;
        } catch (IllegalArgumentException e) {
            return "not a Unix cron expression (minute hour day-of-month month day-of-week, e.g. \"0 8 * * MON-FRI\"): "
                    + e.getMessage();
        }
    }

    /** Why {@code zone} is not a time zone id; null when it is one. */
    public static String zoneProblem(String zone) {
        try {
            ZoneId.of(zone);
            return null;
        } catch (DateTimeException e) {
            return "not a time zone id (e.g. \"Asia/Seoul\", \"UTC\"): " + e.getMessage();
        }
    }

    /** Whether {@code s} is open at {@code now}: its last start is less than its duration ago. */
    public static boolean isOpen(Autoscale.Schedule s, Instant now) {
        return lastStart(s, now).map(start -> start.plus(Duration.ofMinutes(s.durationMinutes())).isAfter(now))
                .orElse(false);
    }

    /** The latest time at or before {@code now} when {@code s} opened. */
    public static Optional<Instant> lastStart(Autoscale.Schedule s, Instant now) {
        ZonedDateTime at = now.atZone(ZoneId.of(s.timeZone()));
        ExecutionTime times = executionTime(s.cron());
        ZonedDateTime minute = at.truncatedTo(ChronoUnit.MINUTES);
        if (times.isMatch(minute)) {
            return Optional.of(minute.toInstant());
        }
        return times.lastExecution(at).map(ZonedDateTime::toInstant);
    }

    /** The next time after {@code now} when {@code s} opens. */
    public static Optional<Instant> nextStart(Autoscale.Schedule s, Instant now) {
        return executionTime(s.cron()).nextExecution(now.atZone(ZoneId.of(s.timeZone()))).map(ZonedDateTime::toInstant);
    }

    private static ExecutionTime executionTime(String expression) {
        ExecutionTime t = PARSED.get(expression);
        if (t == null) {
            Cron cron = PARSER.parse(expression).validate();
            t = ExecutionTime.forCron(cron);
            if (PARSED.size() < 10_000) {
                PARSED.put(expression, t);
            }
        }
        return t;
    }
}
